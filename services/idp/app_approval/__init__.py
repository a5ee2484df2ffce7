"""Confirmation of a login in the «Госуслуги» app (push approval with number matching, issue 15
item 1): app devices, the approvals they answer, and the pages of both sides."""
