"""Dossier settings not (yet) in the core Settings: printer URL and the receipt's configurable text.

Read from the same MOTCUA_* environment (and MOTCUA_SETTINGS_FILE) as the core Settings, once, in
`setup(app)`; tests and programs may put their own `DossierSettings` on `app.state.dossier_settings`.
"""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict

from ..config import _FileSource


class DossierSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MOTCUA_", extra="ignore")

    receipt_printer_url: str | None = None  # default: emulator://<data_dir>/receipts
    receipt_authority: str = "UBND TỈNH"  # header line above the centre name (agency level)
    receipt_place: str = ""  # "Thủ Dầu Một" → "Thủ Dầu Một, ngày … tháng … năm …"
    receipt_agency_head_contact: str = ""  # Thủ trưởng đơn vị giải quyết TTHC: phone, email
    receipt_provincial_office_contact: str = ""  # Văn phòng UBND tỉnh: email, phone
    receipt_inspection_contact: str = ""  # Tổ Kiểm tra cải cách hành chính: email, phone
    receipt_lookup_websites: str = ""  # extra lookup addresses besides our own /l page
    receipt_zalo_account: str = ""
    uncollected_after_days: int = 60  # BD19 Đ.10 k.4
    online_acceptance_hours: float = 8  # BD23 Đ.10; AG Đ.15
    sync_poll_interval_s: float = 2.0
    sweep_interval_s: float = 300.0

    @classmethod
    def settings_customise_sources(
        cls, settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings
    ):
        return (init_settings, env_settings, _FileSource(settings_cls), file_secret_settings)


def dossier_settings_of(session) -> DossierSettings:
    found = session.info.get("dossier_settings")
    return found if found is not None else DossierSettings()
