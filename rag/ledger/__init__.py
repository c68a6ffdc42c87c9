"""The quote ledger: extraction (who said what, with offsets), reading, question intent."""
