"""Consent to the processing of personal data (152-FZ; R-CON-1): versioned text, given and withdrawn
by the patient in the cabinet, stored as a FHIR ``Consent``; the gate that suspends everyone else's
access while it is withdrawn (docs/consent.md)."""
