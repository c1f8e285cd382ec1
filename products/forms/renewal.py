"""The forms of renewal (续证): the holder's confirmation that opens a renewal, and the
supplier's confirmation that removes a document from an application it is preparing. Both
carry no field: the POST is the decision, and the service's refusal goes on the form's top."""

from __future__ import annotations

from django import forms


class RenewalStartForm(forms.Form):
    """Open the renewal of the certificate shown on the page (nothing to type: the renewal is
    pre-filled from the last approved application and edited afterwards like any draft)."""


class DocumentRemoveForm(forms.Form):
    """Remove the document shown on the page."""
