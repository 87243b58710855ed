"""The API's routers by area; thin: parse, authorise, call the portal's services, answer JSON."""
