"""Norwegian identifiers: national identity numbers (fødselsnummer, D-nummer) and organisation numbers."""
