"""Alembic environment: the URL comes from the caller (Settings), never from alembic.ini."""

from alembic import context

from queue_server.models_registry import metadata

config = context.config


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is not None:
        _run(connectable)
        return
    from queue_server.db import make_engine

    engine = make_engine(config.get_main_option("sqlalchemy.url"), immediate=False)
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
