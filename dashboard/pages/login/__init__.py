"""/login: email and password."""

from dashboard.pages.login.state import LoginState
from dashboard.pages.login.view import login_page

__all__ = ["LoginState", "login_page"]
