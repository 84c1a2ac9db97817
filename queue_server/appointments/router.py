"""Appointment endpoints: the public booking API (behind the phone page /hen, pages.py), check-in, remote numbers, settings."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request, status

from ..auth.principal import Principal
from ..bounds import Code, Id
from ..deps import AdminOrManager, AppSettings, DbSession, Public, Staff, allow
from ..errors import DomainError
from ..queues.views import ticket_view
from ..security.ratelimit import client_address, too_many
from ..timeutil import local_day
from . import schemas, service
from .views import appointment_view, booking_settings_view, check_in_message, remote_absence_rule, staff_view

router = APIRouter(tags=["appointments"])
Admin = Annotated[Principal, allow("admin")]
CheckInActor = Annotated[Principal, allow("admin", "clerk", "kiosk", "console")]

ERRORS = {
    404: {"description": "unknown code, or a phone that does not match it (the same answer)"},
    409: {"description": "slot full, already booked that day, day closed, booking not changeable"},
    422: {"description": "invalid input, not a slot, day out of range"},
    429: {"description": "too many requests from this address, or too many wrong phones for this code"},
}
RATE_LIMITED_MESSAGE = "Bạn thao tác quá nhiều lần trong thời gian ngắn. Vui lòng thử lại sau ít phút."


def _per_address(request: Request) -> None:
    settings = request.app.state.settings
    limits = request.app.state.rate_limits
    items = limits.parse(f"{settings.booking_rate_limit_per_minute} per minute")
    limits.check(items, "booking", client_address(request), RATE_LIMITED_MESSAGE)


def _by_code(request: Request, code: str, action):
    """`action()` within the per-code limit of wrong phones (the dossier lookup's limit): an unknown
    code and a wrong phone count alike, so neither the answer nor the limit tells them apart."""
    _per_address(request)
    settings = request.app.state.settings
    limits = request.app.state.rate_limits
    per_code = limits.parse(settings.lookup_code_failure_limit)
    key = service.normalise_code(code)
    if not limits.allows(per_code, "booking-code", key):
        raise too_many(RATE_LIMITED_MESSAGE)
    try:
        return action()
    except DomainError as exc:
        if exc.code == "booking_not_found":
            limits.hit(per_code, "booking-code", key)
        raise


@router.get(
    "/appointments/services",
    response_model=list[schemas.BookableService],
    summary="Services taking bookings or remote numbers (public)",
)
def bookable_services(session: DbSession, _: Public, centre_id: Id | None = None):
    return service.bookable_services(session, centre_id)


@router.get(
    "/appointments/slots",
    response_model=list[schemas.SlotRead],
    responses=ERRORS,
    summary="A service's slots on a day, with the places left (public)",
)
def slots(service_id: Id, session: DbSession, _: Public, day: date = Query(alias="date")):
    return service.list_slots(session, service_id, day)


@router.post(
    "/appointments",
    response_model=schemas.AppointmentRead,
    status_code=status.HTTP_201_CREATED,
    responses=ERRORS,
    summary="Book a slot (public, rate-limited): the code and QR to check in with",
)
def book(data: schemas.AppointmentCreate, request: Request, session: DbSession, settings: AppSettings, _: Public):
    _per_address(request)
    return appointment_view(session, settings, service.book(session, data, notifications_on=bool(settings.notify_url)))


@router.post(
    "/appointments/{code}/find",
    response_model=schemas.AppointmentRead,
    responses=ERRORS,
    summary="A booking by its code and phone (public, rate-limited)",
)
def find(code: Code, data: schemas.BookingRef, request: Request, session: DbSession, settings: AppSettings, _: Public):
    found = _by_code(request, code, lambda: service.find(session, code, data.phone))
    return appointment_view(session, settings, found)


@router.post(
    "/appointments/{code}/cancel",
    response_model=schemas.AppointmentRead,
    responses=ERRORS,
    summary="Cancel a booking by its code and phone (public, rate-limited)",
)
def cancel(
    code: Code, data: schemas.BookingRef, request: Request, session: DbSession, settings: AppSettings, _: Public
):
    return appointment_view(
        session, settings, _by_code(request, code, lambda: service.cancel(session, code, data.phone))
    )


@router.post(
    "/appointments/{code}/reschedule",
    response_model=schemas.AppointmentRead,
    responses=ERRORS,
    summary="Move a booking to another slot by its code and phone (public, rate-limited)",
)
def reschedule(
    code: Code, data: schemas.RescheduleRequest, request: Request, session: DbSession, settings: AppSettings, _: Public
):
    moved = _by_code(request, code, lambda: service.reschedule(session, code, data.phone, data.start))
    return appointment_view(session, settings, moved)


@router.post(
    "/appointments/check-in",
    response_model=schemas.CheckInRead,
    responses=ERRORS,
    summary="Check a booked visitor in (kiosk: the booking QR or the typed code) → a ticket",
)
def check_in(data: schemas.CheckInRequest, session: DbSession, settings: AppSettings, actor: CheckInActor):
    done = service.check_in(session, settings, actor, code=data.code, qr_token=data.qr_token)
    return {
        "appointment_code": done.appointment.code,
        "late": done.late,
        "message": check_in_message(settings, done),
        "ticket": ticket_view(session, settings, done.ticket),
    }


@router.post(
    "/appointments/remote-ticket",
    status_code=status.HTTP_201_CREATED,
    responses=ERRORS,
    summary="Take a number from the phone (lấy số từ xa) where the service allows it (public, rate-limited)",
)
def remote_ticket(
    data: schemas.RemoteNumberCreate, request: Request, session: DbSession, settings: AppSettings, _: Public
):
    _per_address(request)
    ticket = service.take_remote_number(session, settings, data)
    return {**ticket_view(session, settings, ticket), "absence_rule": remote_absence_rule(settings)}


@router.get(
    "/centres/{centre_id}/appointments",
    response_model=list[schemas.StaffBooking],
    summary="A day's bookings of the centre (staff)",
)
def day_bookings(centre_id: Id, session: DbSession, settings: AppSettings, actor: Staff, day: date | None = None):
    return [staff_view(settings, a) for a in service.day_bookings(session, actor, centre_id, day or local_day())]


@router.get(
    "/services/{service_id}/booking",
    response_model=schemas.BookingSettingsRead,
    summary="A service's booking and remote-number settings (admins, managers)",
)
def get_booking_settings(service_id: Id, session: DbSession, actor: AdminOrManager):
    from ..centres.service import ensure_centre_visible, get_service

    ensure_centre_visible(actor, get_service(session, service_id).centre_id)
    return booking_settings_view(service.booking_settings(session, service_id))


@router.put(
    "/services/{service_id}/booking",
    response_model=schemas.BookingSettingsRead,
    responses={422: {"description": "invalid input"}},
    summary="Change a service's booking and remote-number settings (admins)",
)
def put_booking_settings(service_id: Id, data: schemas.BookingSettingsIn, session: DbSession, actor: Admin):
    return booking_settings_view(service.put_booking_settings(session, actor, service_id, data))
