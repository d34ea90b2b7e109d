"""A Django site whose people sign in with Denglu, through django-allauth's OpenID Connect
provider. Everything Denglu-specific comes from the environment:

    DENGLU_ISSUER         Denglu's public URL, e.g. http://127.0.0.1:3000 (discovery is read
                          from {issuer}/.well-known/openid-configuration)
    DENGLU_CLIENT_ID      from `denglu client add`
    DENGLU_CLIENT_SECRET  from `denglu client add`
    DJANGO_SQLITE_PATH    this site's own database (default: db.sqlite3 beside manage.py)
"""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

# An example: debug on, a fixed development key. Never deploy these.
DEBUG = True
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "django-insecure-denglu-example-only")
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "greeting",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "denglu_site.urls"
WSGI_APPLICATION = "denglu_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("DJANGO_SQLITE_PATH") or BASE_DIR / "db.sqlite3",
    }
}

# Denglu and this site may share a host (127.0.0.1, another port), and cookies ignore ports.
SESSION_COOKIE_NAME = "django_site_session"
CSRF_COOKIE_NAME = "django_site_csrftoken"

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

LOGIN_REDIRECT_URL = "/"
LOGIN_URL = "/"

# --- allauth: Denglu is the only way in -------------------------------------------------
DENGLU_ISSUER = os.environ.get("DENGLU_ISSUER", "http://127.0.0.1:3000").rstrip("/")
DENGLU_CLIENT_ID = os.environ.get("DENGLU_CLIENT_ID", "")

# No local passwords, no email: a first sign-in makes the Django user at once, with a
# username made from `preferred_username` (made unique if taken), keyed by `sub`.
# Denglu's emails are optional and unverified, so two people may give the same one.
SOCIALACCOUNT_ONLY = True
ACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*"]
ACCOUNT_UNIQUE_EMAIL = False
SOCIALACCOUNT_EMAIL_REQUIRED = False
SOCIALACCOUNT_QUERY_EMAIL = False
SOCIALACCOUNT_AUTO_SIGNUP = True
# The sign-in link goes straight to Denglu (no "Continue?" page in between).
SOCIALACCOUNT_LOGIN_ON_GET = True

SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        "APPS": [
            {
                "provider_id": "denglu",
                "name": "Denglu",
                "client_id": DENGLU_CLIENT_ID,
                "secret": os.environ.get("DENGLU_CLIENT_SECRET", ""),
                "settings": {
                    "server_url": DENGLU_ISSUER,
                    "scope": ["openid", "profile"],
                    "oauth_pkce_enabled": True,
                },
            }
        ]
    }
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
