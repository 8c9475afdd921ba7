"""Stage 2, validate: the No-Go gate before the model, and the RFI cross-checks after it."""
