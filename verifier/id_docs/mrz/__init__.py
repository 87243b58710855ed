"""Reading and parsing ICAO machine readable zones (and the French 1988-2021 ID card)."""
