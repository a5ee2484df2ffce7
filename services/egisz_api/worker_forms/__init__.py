"""The medical workers' writing forms in the cabinet, and their signature step-up (issue 14 item 2)."""
