"""The hall's figures and settings for suggestions: reply templates, reply deadlines, and
whether the display board shows "you said, we did"."""

from datetime import timedelta

from flask import request
from flask_babel import gettext as _
from flask_login import current_user

from hallapp.blueprints.feedback import bp
from hallapp.blueprints.feedback.forms import DeadlineForm, DisplayForm, FiguresForm, TemplateForm
from hallapp.blueprints.feedback.views.common import supervisor_only
from hallapp.forms import submit
from hallapp.htmx import render_page, render_shape
from hallapp.i18n import service_day
from hallapp.models import ReplyTemplate, utcnow
from hallapp.services import feedback_figures, feedback_settings, halls


@bp.get("/feedback/figures", endpoint="figures")
@supervisor_only
def figures():
    hall = current_user.hall
    today = service_day(utcnow())
    form = FiguresForm(request.args, start=today - timedelta(days=29), end=today)
    if not request.args:
        form = FiguresForm(formdata=None, start=today - timedelta(days=29), end=today)
    result = None
    status = 200
    if form.validate():
        if form.start.data > form.end.data:
            form.end.errors = [_("The end date must not be before the start date.")]
            status = 422
        else:
            result = feedback_figures.figures(hall, form.start.data, form.end.data)
    else:
        status = 422
    return render_page(
        "feedback/figures.html",
        "feedback/_figures_results.html",
        status=status,
        hall=hall,
        form=form,
        result=result,
    )


def _settings_page(**given) -> str:
    hall = current_user.hall
    setting = feedback_settings.settings(hall)
    return render_shape(
        "feedback/templates.html",
        "feedback/_settings.html",
        hall=hall,
        templates=feedback_settings.active_templates(hall),
        deadlines=feedback_settings.reply_deadlines(hall),
        template_form=given.get("template_form") or TemplateForm(formdata=None),
        deadline_form=given.get("deadline_form") or DeadlineForm(formdata=None, working_days=5),
        display_form=DisplayForm(formdata=None, show_on_display=setting.show_on_display),
        saved=given.get("saved"),
    )


@bp.get("/feedback/templates", endpoint="templates")
@supervisor_only
def templates():
    return _settings_page()


@bp.post("/feedback/templates", endpoint="create_template")
@supervisor_only
def create_template():
    form = TemplateForm()
    return submit(
        form,
        lambda: feedback_settings.save_template(
            current_user.hall, title=form.title.data, body=form.body.data, actor=current_user
        ),
        done=lambda _template: _settings_page(saved=_("Template saved.")),
        invalid=lambda: _settings_page(template_form=form),
    )


@bp.post("/feedback/templates/<int:template_id>/retire", endpoint="retire_template")
@supervisor_only
def retire_template(template_id):
    template = halls.get_in_hall(ReplyTemplate, template_id, current_user.hall)
    feedback_settings.retire_template(template, actor=current_user)
    return _settings_page(saved=_("Template removed."))


@bp.post("/feedback/deadlines", endpoint="set_deadline")
@supervisor_only
def set_deadline():
    form = DeadlineForm()
    return submit(
        form,
        lambda: feedback_settings.set_reply_deadline(
            current_user.hall, form.category.data, form.working_days.data, actor=current_user
        ),
        done=lambda _none: _settings_page(saved=_("Reply deadline saved.")),
        invalid=lambda: _settings_page(deadline_form=form),
    )


@bp.post("/feedback/display", endpoint="set_display")
@supervisor_only
def set_display():
    form = DisplayForm()
    feedback_settings.set_show_on_display(
        current_user.hall, form.show_on_display.data, actor=current_user
    )
    return _settings_page(saved=_("Display setting saved."))
