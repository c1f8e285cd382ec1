"""The test suite: fast hashing, in-memory mail, tasks run eagerly.

The real-broker round trip test switches eagerness off for itself.
"""

from .local import *  # noqa: F403
from .local import ALLOWED_HOSTS, BASE_DIR

DEBUG = False
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
MEDIA_ROOT = BASE_DIR / ".test-media"
WHITENOISE_AUTOREFRESH = True
