"""Extension objects, created unbound and initialised by the app factory."""
from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base whose constraint names are stable across databases."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _session_scope():
    """Give each request its own session, and code outside requests the app context's one."""
    from flask import globals as flask_globals

    request_ctx = flask_globals._cv_request.get(None)
    if request_ctx is not None:
        return ("request", id(request_ctx))
    return ("app", id(flask_globals._cv_app.get(None)))


db = SQLAlchemy(model_class=Base, session_options={"scopefunc": _session_scope})
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()
