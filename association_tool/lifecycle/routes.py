"""Admin pages of the client data lifecycle."""
