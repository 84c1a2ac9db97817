"""One-stop dossiers: codes, lifecycle, receipts, the public status lookup and the external sync."""
