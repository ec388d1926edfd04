"""The test-result pages, by capability: `results` (lists, entry, batch, lab
sheet, statistics) and `positive` (CDC's "positive, no case opened")."""
