"""Several processes receiving dossiers for the same agency at once: codes never repeat, the sequence has no gaps."""

import multiprocessing as mp

from sqlalchemy import select

from queue_server.dossiers.models import Dossier

PER_PROCESS = 8
PROCESSES = 4


def _worker(url: str, agency_id: int, queue) -> None:
    from queue_server.config import Settings
    from queue_server.db import Database
    from queue_server.dossiers import service
    from queue_server.dossiers.schemas import DossierCreate
    from tests.dossiers.helpers import principal

    settings = Settings(database_url=url)
    db = Database(url)
    made = []
    try:
        for i in range(PER_PROCESS):
            data = DossierCreate(
                agency_id=agency_id,
                procedure_code="1.001193",
                applicant={"full_name": f"Người nộp {i}", "phone": "0900000000"},
            )
            with db.unit_of_work() as s:
                made.append(service.create_dossier(s, settings, principal(s, "admin"), data).code)
        queue.put(made)
    except Exception as exc:  # reported to the parent, which fails the test
        queue.put(repr(exc))
    finally:
        db.dispose()


def test_processes_never_share_a_code(db, db_url, centre, catalogue):
    ctx = mp.get_context("fork")  # children inherit the test's imports
    queue = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(db_url, centre.agency_ids[0], queue)) for _ in range(PROCESSES)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert all(isinstance(r, list) for r in results), results
    codes = [c for r in results for c in r]
    assert len(codes) == len(set(codes)) == PER_PROCESS * PROCESSES
    with db.reading() as s:
        stored = s.execute(select(Dossier.code)).scalars().all()
    assert sorted(stored) == sorted(codes)
    assert sorted(int(c[-4:]) for c in codes) == list(range(1, PER_PROCESS * PROCESSES + 1))
