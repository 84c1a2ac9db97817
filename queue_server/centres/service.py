"""Centres, agencies, services and counters: administration and the views devices show."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from ..audit.service import record, snapshot
from ..auth.models import User
from ..auth.principal import Principal
from ..calendar.service import seed_default_rule
from ..db import next_value
from ..errors import DomainError, forbidden, not_found
from ..queues.views import current_ticket, publish_counter, publish_queue
from ..realtime.service import record_event, sequence_name
from ..timeutil import utcnow
from . import schemas
from .models import Agency, Centre, Counter, CounterService, Service, ServiceHours

_WITH_SERVICES = (joinedload(Counter.services),)

# -- access helpers -------------------------------------------------------------------------


def ensure_centre_visible(actor: Principal, centre_id: int) -> None:
    if not actor.can_see_centre(centre_id):
        raise forbidden("Bạn không có quyền với trung tâm này.")


def get_centre(session: Session, centre_id: int) -> Centre:
    centre = session.get(Centre, centre_id)
    if centre is None:
        raise not_found("trung tâm", "centre_not_found")
    return centre


def get_service(session: Session, service_id: int, options=()) -> Service:
    service = session.get(Service, service_id, options=options)
    if service is None:
        raise not_found("dịch vụ", "service_not_found")
    return service


def get_counter(session: Session, counter_id: int) -> Counter:
    # with the services it serves in the same statement: every action at a counter reads them
    counter = session.get(Counter, counter_id, options=_WITH_SERVICES)
    if counter is None:
        raise not_found("quầy", "counter_not_found")
    return counter


def get_agency(session: Session, agency_id: int) -> Agency:
    agency = session.get(Agency, agency_id)
    if agency is None:
        raise not_found("cơ quan", "agency_not_found")
    return agency


def config_changed(session: Session, centre_id: int, entity: str, entity_id: int) -> None:
    """Tell the centre's boards, kiosks and consoles that its set-up changed: stream clients take a
    fresh snapshot (docs/events.md), so a new service or counter shows without a restart."""
    record_event(session, centre_id, "config.updated", {"entity": entity, "id": entity_id})


# -- centres --------------------------------------------------------------------------------


def create_centre(session: Session, data: schemas.CentreCreate, *, actor: Principal | None = None) -> Centre:
    centre = Centre(**data.model_dump())
    session.add(centre)
    session.flush()
    next_value(session, sequence_name(centre.id), start=0)  # the event sequence row exists from the start
    record(
        session, actor, "create", "centre", centre.id, after=snapshot(centre), centre_id=centre.id, summary=centre.name
    )
    seed_default_rule(session, centre.id, actor)  # today's hours, editable through /centres/{id}/time-rules
    return centre


def list_centres(session: Session, actor: Principal) -> list[Centre]:
    rows = session.execute(select(Centre).order_by(Centre.id)).scalars()
    return [c for c in rows if actor.can_see_centre(c.id)]


def update_centre(
    session: Session, centre_id: int, data: schemas.CentreUpdate, *, actor: Principal | None = None
) -> Centre:
    centre = get_centre(session, centre_id)
    before = snapshot(centre)
    changes = data.model_dump(exclude_unset=True)
    for key, value in changes.items():
        setattr(centre, key, value)
    record(
        session,
        actor,
        "update",
        "centre",
        centre.id,
        before=before,
        after=snapshot(centre),
        centre_id=centre.id,
        summary=centre.name,
    )
    if "notice" in changes:
        record_event(session, centre.id, "notice.updated", {"notice": centre.notice})
    if changes.keys() - {"notice"}:
        config_changed(session, centre.id, "centre", centre.id)
    return centre


# -- agencies -------------------------------------------------------------------------------


def create_agency(session: Session, data: schemas.AgencyCreate, *, actor: Principal | None = None) -> Agency:
    get_centre(session, data.centre_id)
    agency = Agency(**data.model_dump())
    session.add(agency)
    session.flush()
    record(
        session,
        actor,
        "create",
        "agency",
        agency.id,
        after=snapshot(agency),
        centre_id=agency.centre_id,
        agency_id=agency.id,
        summary=f"{agency.identifier} {agency.name}",
    )
    return agency


def list_agencies(session: Session, actor: Principal, centre_id: int | None = None) -> list[Agency]:
    stmt = select(Agency).order_by(Agency.id)
    if centre_id is not None:
        stmt = stmt.where(Agency.centre_id == centre_id)
    scope = actor.agency_scope()
    return [
        a
        for a in session.execute(stmt).scalars()
        if actor.can_see_centre(a.centre_id) and (scope is None or a.id in scope)
    ]


def update_agency(
    session: Session, agency_id: int, data: schemas.AgencyUpdate, *, actor: Principal | None = None
) -> Agency:
    agency = get_agency(session, agency_id)
    before = snapshot(agency)
    for key, value in data.model_dump(exclude_unset=True).items():
        setattr(agency, key, value)
    record(
        session,
        actor,
        "update",
        "agency",
        agency.id,
        before=before,
        after=snapshot(agency),
        centre_id=agency.centre_id,
        agency_id=agency.id,
        summary=f"{agency.identifier} {agency.name}",
    )
    return agency


# -- services -------------------------------------------------------------------------------


def _check_agency(session: Session, centre_id: int, agency_id: int | None) -> None:
    if agency_id is not None and get_agency(session, agency_id).centre_id != centre_id:
        raise DomainError("agency_not_in_centre", "Cơ quan không thuộc trung tâm này.", 422)


def service_snapshot(service: Service) -> dict:
    """A service's audited state: its columns and its issuing hours."""
    hours = [
        {"weekday": h.weekday, "start": h.start, "end": h.end, "effective_from": h.effective_from}
        for h in service.hours
    ]
    return snapshot(service, hours=hours)


def _record_service(session: Session, actor: Principal | None, action: str, service: Service, **states) -> None:
    record(
        session,
        actor,
        action,
        "service",
        service.id,
        centre_id=service.centre_id,
        agency_id=service.agency_id,
        summary=f"{service.code} {service.name}",
        **states,
    )


def create_service(session: Session, data: schemas.ServiceCreate, *, actor: Principal | None = None) -> Service:
    get_centre(session, data.centre_id)
    _check_agency(session, data.centre_id, data.agency_id)
    fields = data.model_dump(exclude={"hours"})
    service = Service(**fields, hours=[ServiceHours(**h.model_dump()) for h in data.hours])
    session.add(service)
    session.flush()
    _record_service(session, actor, "create", service, after=service_snapshot(service))
    config_changed(session, service.centre_id, "service", service.id)
    return service


def update_service(
    session: Session,
    service_id: int,
    data: schemas.ServiceUpdate,
    *,
    default_service_s: int,
    actor: Principal | None = None,
) -> Service:
    service = get_service(session, service_id)
    before = service_snapshot(service)
    changes = data.model_dump(exclude_unset=True, exclude={"hours"})
    if "agency_id" in changes:
        _check_agency(session, service.centre_id, changes["agency_id"])
    for key, value in changes.items():
        setattr(service, key, value)
    if service.number_end < service.number_start:
        raise DomainError("invalid_range", "Dải số không hợp lệ: số cuối nhỏ hơn số đầu.", 422)
    if data.hours is not None:
        service.hours = [ServiceHours(**h.model_dump()) for h in data.hours]
    session.flush()
    _record_service(session, actor, "update", service, before=before, after=service_snapshot(service))
    config_changed(session, service.centre_id, "service", service.id)
    publish_queue(session, service.centre_id, [service.id], default_service_s)
    return service


# -- counters -------------------------------------------------------------------------------


def _set_counter_services(
    session: Session, counter: Counter, service_ids: list[int], weights: dict[int, float] | None
) -> None:
    links = []
    for order, sid in enumerate(dict.fromkeys(service_ids)):
        if get_service(session, sid).centre_id != counter.centre_id:
            raise DomainError("service_not_in_centre", "Dịch vụ không thuộc trung tâm của quầy.", 422)
        links.append(CounterService(service_id=sid, order=order, weight=(weights or {}).get(sid, 1.0)))
    counter.services = links


def counter_snapshot(counter: Counter) -> dict:
    """A counter's audited state: its columns and the services it serves (in order, with weights)."""
    services = [{"service_id": link.service_id, "weight": link.weight} for link in counter.services]
    return snapshot(counter, ("number", "name", "state", "officer_id"), services=services)


def _record_counter(session: Session, actor: Principal | None, action: str, counter: Counter, **states) -> None:
    record(
        session,
        actor,
        action,
        "counter",
        counter.id,
        centre_id=counter.centre_id,
        summary=f"Quầy {counter.number}" + (f" — {counter.name}" if counter.name else ""),
        **states,
    )


def _officer_for(session: Session, counter: Counter, officer_id: int | None) -> int | None:
    """The officer an administrator puts on duty at a counter: an active clerk of its centre."""
    if officer_id is None:
        return None
    officer = session.get(User, officer_id)
    if officer is None or officer.role != "clerk" or officer.centre_id != counter.centre_id or not officer.active:
        raise DomainError(
            "officer_not_in_centre", "Cán bộ trực phải là cán bộ một cửa đang làm việc tại trung tâm này.", 422
        )
    return officer.id


def create_counter(session: Session, data: schemas.CounterCreate, *, actor: Principal | None = None) -> Counter:
    get_centre(session, data.centre_id)
    counter = Counter(centre_id=data.centre_id, number=data.number, name=data.name, state="closed")
    session.add(counter)
    _set_counter_services(session, counter, data.service_ids, data.weights)
    session.flush()
    _record_counter(session, actor, "create", counter, after=counter_snapshot(counter))
    publish_counter(session, counter)
    config_changed(session, counter.centre_id, "counter", counter.id)
    return counter


def update_counter(
    session: Session, counter_id: int, data: schemas.CounterUpdate, *, actor: Principal | None = None
) -> Counter:
    counter = get_counter(session, counter_id)
    before = counter_snapshot(counter)
    if data.name is not None:
        counter.name = data.name
    if data.service_ids is not None:
        _set_counter_services(session, counter, data.service_ids, data.weights)
    if "officer_id" in data.model_fields_set:
        counter.officer_id = _officer_for(session, counter, data.officer_id)
    session.flush()
    _record_counter(session, actor, "update", counter, before=before, after=counter_snapshot(counter))
    publish_counter(session, counter)
    config_changed(session, counter.centre_id, "counter", counter.id)
    return counter


def ensure_acts_for_counter(actor: Principal, counter: Counter) -> None:
    """Admins act for any counter; a clerk only where on duty; a console only for its own counter."""
    if actor.is_admin:
        return
    if actor.role == "clerk" and actor.user is not None and counter.officer_id == actor.user.id:
        return
    if actor.role == "console" and actor.device is not None and actor.device.counter_id == counter.id:
        return
    raise forbidden("Bạn không trực tại quầy này.")


def set_counter_state(
    session: Session, actor: Principal, counter_id: int, state: str, *, default_service_s: int
) -> Counter:
    """open (the clerk signs in and takes the counter), pause, or close (the officer signs out)."""
    counter = get_counter(session, counter_id)
    ensure_centre_visible(actor, counter.centre_id)
    before = counter_snapshot(counter)
    if state == "open":
        if actor.role == "clerk":
            if counter.officer_id not in (None, actor.user.id) and counter.state != "closed":
                raise DomainError("counter_taken", "Quầy đang do cán bộ khác trực.", 409)
            counter.officer_id = actor.user.id
        else:
            ensure_acts_for_counter(actor, counter)
    else:
        ensure_acts_for_counter(actor, counter)
        if state == "closed" and current_ticket(session, counter) is not None:
            raise DomainError(
                "counter_busy", "Quầy đang phục vụ một số thứ tự; hãy hoàn thành hoặc chuyển trước khi đóng quầy.", 409
            )
    if counter.state != state:
        counter.state = state
        counter.state_changed_at = utcnow()
    if state == "closed":
        counter.officer_id = None
    if actor.is_admin:  # an officer opening or closing their own counter is the day's work, not administration
        _record_counter(session, actor, state, counter, before=before, after=counter_snapshot(counter))
    publish_counter(session, counter)
    publish_queue(session, counter.centre_id, [link.service_id for link in counter.services], default_service_s)
    return counter
