"""Template failures a caller can act on: 422 problem JSON naming the template or the parameter."""

from __future__ import annotations

from shared.errors import AppError


class TemplateError(AppError):
    status_code = 422
    code = "template_error"
    title = "Template error"


class UnknownTemplateError(TemplateError):
    code = "unknown_template"
    title = "Unknown template"


class MissingParameterError(TemplateError):
    code = "missing_parameter"
    title = "Missing template parameter"


class InvalidParameterError(TemplateError):
    code = "invalid_parameter"
    title = "Invalid template parameter"


class UnknownParameterError(TemplateError):
    code = "unknown_parameter"
    title = "Unknown template parameter"


class ParamsTooLargeError(TemplateError):
    code = "params_too_large"
    title = "Template parameters too large"
