"""The patient cabinet («Вход в ЕГИСЗ»): login through the idp's ESIA face, the server-side cabinet
session, logout (front and back channel) and the overview page (docs/cabinet.md)."""
