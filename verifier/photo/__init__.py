"""Portrait checks against the HSE-card photo rules."""
