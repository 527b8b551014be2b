"""Every blueprint of the hall, in the order they are registered."""

from hallapp.blueprints.admin import bp as admin_bp
from hallapp.blueprints.api import bp as api_bp
from hallapp.blueprints.auth import bp as auth_bp
from hallapp.blueprints.enterprise import bp as enterprise_bp
from hallapp.blueprints.feedback import bp as feedback_bp
from hallapp.blueprints.guidance import bp as guidance_bp
from hallapp.blueprints.hotline import bp as hotline_bp
from hallapp.blueprints.main import bp as main_bp
from hallapp.blueprints.public import bp as public_bp
from hallapp.blueprints.queue import bp as queue_bp
from hallapp.blueprints.ratings import bp as ratings_bp
from hallapp.blueprints.reports import bp as reports_bp
from hallapp.blueprints.supervision import bp as supervision_bp

BLUEPRINTS = [
    main_bp,
    auth_bp,
    admin_bp,
    queue_bp,
    api_bp,
    public_bp,
    guidance_bp,
    enterprise_bp,
    feedback_bp,
    ratings_bp,
    reports_bp,
    hotline_bp,
    supervision_bp,
]
