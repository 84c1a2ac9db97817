"""All v1 routers in one place: who may call what reads from each handler's `allow(...)`."""

from fastapi import APIRouter

from .auth.router import router as auth_router
from .centres.router import router as centres_router
from .tickets.router import router as tickets_router

api_router = APIRouter(prefix="/api/v1")
# Routes are matched in order, one by one: the busiest (issuing, calling) go first.
api_router.include_router(tickets_router)
api_router.include_router(auth_router)
api_router.include_router(centres_router)

# Areas built on the core register here (kept importable one by one so a broken area is loud).
EXTRA_ROUTERS = [
    "queue_server.calendar.router",
    "queue_server.procedures.router",
    "queue_server.dossiers.router",
    "queue_server.ratings.router",
    "queue_server.reports.router",
]
