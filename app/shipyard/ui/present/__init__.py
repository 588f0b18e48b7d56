"""Demo-day presentation mode: the deck full screen, with the keys a presenter expects."""
