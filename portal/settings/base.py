"""Settings shared by every environment, read from the environment (twelve-factor).

Nothing here is unsafe by default: DEBUG is off and there is no secret key.
``local`` (the laptop demo and ``make run``) and ``production`` fill in the rest.
"""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "simple_history",
    "axes",
    "csp",
    "portal",
    "products",
    "procurement",
    "outlets",
    "reporting",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lock-out answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
CSRF_FAILURE_VIEW = "portal.views.csrf_failure"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.portal",
                "portal.accessibility.accessibility",
            ],
        },
    },
]

# The embedded default is a SQLite file beside the code, so a laptop needs nothing
# installed; every real deployment sets DATABASE_URL to PostgreSQL.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The portal's queries are short and indexed; PostgreSQL's JIT compiles whatever its cost
    # estimate calls large and spent seconds compiling aggregates that run in milliseconds
    # (bench/results). Off for the portal's own connections; PORTAL_DB_JIT=on restores it.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault(
        "options", f"-c jit={env.str('PORTAL_DB_JIT', default='off')}"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "reporting:home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)
# A working day at most, and gone with the browser: a shared office computer closed at
# night does not stay signed in.
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# No script reads the CSRF cookie: forms carry the token and htmx sends the form's field.
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Sign-in throttling (django-axes): five wrong passwords for one username from one address
# lock that pair out for 30 minutes, on the sign-in page and the API token endpoint alike
# (both call authenticate() with the request). The right password during the lock is refused
# too; a successful sign-in clears the count.
AUTHENTICATION_BACKENDS = [
    "portal.views.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# The audit trail is read-only: the admin shows a record's history but cannot revert it.
SIMPLE_HISTORY_REVERT_DISABLED = True

AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "portal.views.locked_out"
AXES_HTTP_RESPONSE_CODE = 429
# The client address (portal.views.client_ip): REMOTE_ADDR, or with PORTAL_PROXY_COUNT proxies
# in front the address the outermost of them appended to X-Forwarded-For.
AXES_CLIENT_IP_CALLABLE = "portal.views.client_ip"
PORTAL_PROXY_COUNT = env.int("PORTAL_PROXY_COUNT", default=0)

LANGUAGE_CODE = "zh-hans"
# 简体 (default), 繁體 (Hong Kong and Macau buyers, documents written in it) and English.
LANGUAGES = [
    ("zh-hans", _("Simplified Chinese")),
    ("zh-hant", _("Traditional Chinese")),
    ("en", _("English")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Uploaded vouchers and documents: the largest file the portal accepts, in bytes.
PORTAL_MAX_UPLOAD_BYTES = env.int("PORTAL_MAX_UPLOAD_BYTES", default=10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = PORTAL_MAX_UPLOAD_BYTES

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="noreply@portal.invalid")

# The city the portal serves, shown in the header and used by the demo.
PORTAL_CITY_NAME = env.str("PORTAL_CITY_NAME", default="深圳市")
PORTAL_CITY_CODE = env.str("PORTAL_CITY_CODE", default="440300")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "portal.api.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "消费帮扶综合服务平台 API",
    "DESCRIPTION": "The public contract of the consumption-assistance portal.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Several models have a ``status`` or ``category``: name each enum after its model.
    "ENUM_NAME_OVERRIDES": {
        "SupplierStatusEnum": "products.models.Supplier.Status",
        "ProductStatusEnum": "products.models.Product.Status",
        "ProductCategoryEnum": "products.models.ProductCategory",
    },
}

# Celery: with no broker configured, tasks run eagerly in-process (the embedded
# default); with REDIS_URL or CELERY_BROKER_URL they go to a real worker.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=env.str("REDIS_URL", default=""))
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://"
    CELERY_RESULT_BACKEND = "cache+memory://"
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_RESULT_EXPIRES = 24 * 60 * 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE: dict = {
    # Public disclosures (公示) whose period ended unopposed take effect at 01:10, before the
    # certificates' expiry (01:30), so a renewal in effect is seen before its predecessor ends.
    "products-disclosures-daily": {
        "task": "products.disclosures_daily",
        "schedule": crontab(hour=1, minute=10),
    },
    # Expire certificates past their validity and warn suppliers 60 and 30 days
    # ahead, every night at 01:30 in CELERY_TIMEZONE (Asia/Shanghai), before anyone logs in.
    "products-certificates-daily": {
        "task": "products.certificates_daily",
        "schedule": crontab(hour=1, minute=30),
    },
    # Queue the reports of the quarter just ended (the city's and each district's) on the 5th
    # day of the next quarter at 06:00, after the units' quarter-end paperwork has settled.
    "reporting-quarterly-report": {
        "task": "reporting.quarterly_report",
        "schedule": crontab(minute=0, hour=6, day_of_month=5, month_of_year="1,4,7,10"),
    },
    # Report runs left stuck by a lost worker are queued again or failed (reporting.services).
    "reporting-recover-stale-runs": {
        "task": "reporting.recover_stale_runs",
        "schedule": crontab(minute="*/15"),
    },
    # The 832 platform's stored orders matched with the purchases logged since their import,
    # at 02:15, so that the integrity checks after it see the day's "logged twice" flags.
    "procurement-match-platform-orders": {
        "task": "procurement.match_platform_orders",
        "schedule": crontab(minute=15, hour=2),
    },
    # The integrity checks over this year's and last year's purchases of the whole city, at
    # 02:30, after the certificates' expiry (01:30) and before the offices open their queue.
    "procurement-integrity-checks": {
        "task": "procurement.run_integrity_checks",
        "schedule": crontab(minute=30, hour=2),
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# The portal's canonical public address (e.g. "https://xfbf.sz.gov.cn"), printed in the
# products' QR codes (一品一码) so a label printed from an office's internal host still leads
# the public to the public site; unset, the address the label was requested on is used.
PORTAL_SITE_URL = env.str("PORTAL_SITE_URL", default="")

# The outlet finder's map (Leaflet, vendored). Tiles come from a tile server the city chooses,
# e.g. "https://tiles.example.gov.cn/{z}/{x}/{y}.png"; unset, the map draws no tile layer and
# the markers stand on a plain background, so by default no outside address is ever requested.
# The attribution (HTML) is shown in the map's corner, as the tile server's licence asks.
# Outlet coordinates are WGS-84; a server serving GCJ-02 tiles shifts markers by a few hundred m.
PORTAL_MAP_TILE_URL = env.str("PORTAL_MAP_TILE_URL", default="")
PORTAL_MAP_ATTRIBUTION = env.str("PORTAL_MAP_ATTRIBUTION", default="")

# Content-Security-Policy (django-csp 4): scripts and style sheets from the portal only, no
# inline script or handler anywhere (tests/security/test_headers.py greps the templates).
# Inline style *attributes* stay allowed (style-src-attr): ECharts' tooltips and htmx-swapped
# fragments carry them, and an attribute cannot run code. The map's tile server, when one is
# configured, is the only outside address images may come from.
_TILE_ORIGIN = ""
if PORTAL_MAP_TILE_URL:
    # Leaflet's "{s}" picks a sub-domain: "https://{s}.tiles.example.cn/…" allows
    # https://*.tiles.example.cn.
    _tiles = urlsplit(PORTAL_MAP_TILE_URL.replace("{s}", "*"))
    _TILE_ORIGIN = f"{_tiles.scheme}://{_tiles.netloc}" if _tiles.scheme and _tiles.netloc else ""
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:", *([_TILE_ORIGIN] if _TILE_ORIGIN else [])],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
    },
}
