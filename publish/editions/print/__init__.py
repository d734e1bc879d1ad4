"""The print edition: the shared HTML laid out for paper, preflighted and finished as PDF/X."""
