"""Elderly and rural visitors, Southern and Central speech: «tạm chú» for «tạm trú», a paper that
rotted or burnt along with the commune's register, a son back from the army, a garden turned into
house land, a sick child kept home, a stepchild, cheap state housing, old words («sao lục», «thất
lạc»), «visa» for a passport, abbreviations (GPKD, XH), «chuyển về» for moving here. Examples
written for these tests (none is in the benches' query sets)."""

import pytest

from tests.procedures.test_search_families import _top3

TAM_TRU, THUONG_TRU = {"1.004194"}, {"1.004222"}
BUSINESS = {"1.001612", "2.001610", "2.001583", "2.001199", "2.002043"}
FAMILIES = {
    "Central and Southern «ch» for «tr» in a word that means something else": [
        ("làm tạm chú cho cháu lên thành phố học", TAM_TRU),  # «chú» is a filler (uncle)
        ("nhập thường chú về nhà mới", THUONG_TRU),
    ],
    "the paper and the commune's register both gone: registered again": [
        ("giấy khai tử của ông cháy mất, sổ hộ tịch bị mất luôn", {"1.005461"}),
        ("giấy kết hôn cháy rụi, xã không còn lưu sổ", {"1.004746"}),
    ],
    "back from the army: residence again": [
        ("cháu tôi ra quân về quê đăng ký lại hộ khẩu", THUONG_TRU),
        ("bộ đội xuất ngũ nhập khẩu về nhà", THUONG_TRU),
    ],
    "a life event instead of the procedure": [
        ("muốn xây nhà trên đất vườn của ba má", {"1.013949"}),  # farm land to house land needs permission
        ("con nhỏ ốm phải nghỉ làm ở nhà chăm", {"1.001667"}),  # chế độ ốm đau
        ("vợ chồng trẻ thuê phòng trọ gần khu công nghiệp", TAM_TRU),
        ("nhận con riêng của chồng làm con", {"2.001263"}),  # a stepchild is adopted
        ("mẹ kế nhận con của chồng làm con", {"2.001263"}),
        ("công nhân muốn mua nhà giá rẻ", {"1.014632"}),  # nhà ở xã hội
        ("phường đổi số nhà, sổ đỏ phải cập nhật", {"1.013833"}),  # số nhà is the address
        ("đổi tên rồi, sổ đỏ cần đổi theo tên mới", {"1.013833"}),
        ("xác nhận nơi ở trọ cho con vào lớp 1", {"1.010041"}),
    ],
    "a damaged paper": [
        ("giấy phép xây dựng hư hỏng vì lũ", {"1.013228"}),  # cấp lại
        ("sổ đỏ hư hỏng cần làm cái mới", {"1.012783"}),  # cấp đổi
    ],
    "copies and certified contracts": [
        ("xin sao lục bằng cấp ba đã mất", {"2.000908"}),  # an old word for a copy from the register
        ("xin thêm bản sao hợp đồng đã chứng thực năm trước", {"2.000942"}),
        ("sửa lại hợp đồng thuê nhà đã chứng thực", {"2.000913"}),
        ("công nhận quan hệ mẹ con với người Hàn Quốc", {"2.000779"}),
    ],
    "old words, loan words and abbreviations": [
        ("thất lạc thẻ căn cước", {"1.014064"}),
        ("xin visa đi Nhật", {"1.001456", "1.001471"}),  # only a passport is issued here
        ("xin gpkd cho tiệm tạp hóa", BUSINESS),
        ("GPKD", BUSINESS),
    ],
}


@pytest.mark.parametrize("family", FAMILIES)
def test_rural_and_regional_speech_finds_the_procedure(client, catalogue, family):
    missed = [(q, want, got) for q, want in FAMILIES[family] if not want & set(got := _top3(client, catalogue, q))]
    assert not missed, (family, missed)


def test_a_synonym_is_read_again_with_the_words_after_it(client, catalogue):
    # «bị mất tiêu» → «mất tiêu» → «mất»: a lost card, re-issued
    assert _top3(client, catalogue, "căn cước bị mất tiêu rồi")[:1] == ["1.014064"]
    # «năm trước», «bây giờ» say when, not which procedure
    assert _top3(client, catalogue, "bây giờ muốn làm lại giấy kết hôn mất năm trước")[:1] == ["1.004746"]


@pytest.mark.parametrize(
    ("q", "first"),
    [
        ("đăng ký nhà ở xh cho người thu nhập thấp", {"1.014632"}),  # XH = xã hội
        ("con trai mới chuyển về xã này, đăng ký quân sự thế nào", {"1.013137"}),  # chuyển đến, not chuyển đi
        ("cần làm chứng minh thư nhân dân cho con gái 16 tuổi", {"1.014061", "2.000200", "1.001247"}),  # căn cước
    ],
)
def test_the_right_one_first(client, catalogue, q, first):
    got = _top3(client, catalogue, q)
    assert got[:1] and got[0] in first, got
