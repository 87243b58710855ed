"""Identity documents: MRZ reading (ICAO 9303), validation, national ids and the holder match."""
