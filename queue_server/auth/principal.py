"""Who is calling: a staff user or a registered device."""

from __future__ import annotations

from dataclasses import dataclass

from .models import Device, User


@dataclass(frozen=True)
class Principal:
    role: str  # admin | manager | clerk | kiosk | display | tablet | console | public
    user: User | None = None
    device: Device | None = None

    @property
    def centre_id(self) -> int | None:
        if self.device is not None:
            return self.device.centre_id
        return self.user.centre_id if self.user is not None else None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def user_id(self) -> int | None:
        return self.user.id if self.user else None

    @property
    def device_id(self) -> int | None:
        return self.device.id if self.device else None

    def can_see_centre(self, centre_id: int) -> bool:
        """Admins see every centre; anyone else the centre it belongs to, or — a manager attached
        to agencies but to no centre — the centres of those agencies. Nobody else sees any."""
        if self.is_admin:
            return True
        if self.centre_id is not None:
            return self.centre_id == centre_id
        if self.role == "manager" and self.user is not None:
            return any(agency.centre_id == centre_id for agency in self.user.agencies)
        return False

    def agency_scope(self) -> set[int] | None:
        """Agencies a manager may see; None means all (admins, and staff with no scope set)."""
        if self.role == "manager" and self.user is not None and self.user.agencies:
            return set(self.user.agency_ids)
        return None


PUBLIC = Principal(role="public")


def actor_name(actor: Principal | None) -> str:
    """Who made a change, as the admin pages show it beside the change ("admin1 (admin)")."""
    if actor is None:
        return "hệ thống"
    if actor.user is not None:
        return f"{actor.user.username} ({actor.role})"
    return f"thiết bị {actor.device_id} ({actor.role})"
