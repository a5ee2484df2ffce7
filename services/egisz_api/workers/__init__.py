"""Medical workers in the cabinet: the organisation they act for, patient search, a patient's record."""
