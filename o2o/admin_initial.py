"""Admin add pages take initial values from the query string (`?store=3`, `?starts_at=...`); a
value its field cannot read (`?store=inf`, a date that is no date) is dropped instead of reaching
a widget that would fail on it (a 500)."""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist, ValidationError


class QueryInitialMixin:
    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        for name, value in list(initial.items()):
            try:
                field = self.model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            if field.many_to_many or field.one_to_many:
                continue
            target = field.target_field if (field.many_to_one or field.one_to_one) else field
            try:
                target.to_python(value)
            except (ValidationError, ValueError, TypeError):
                del initial[name]
        return initial
