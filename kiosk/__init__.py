"""The touch kiosk: queue tickets, procedure lookup and dossier status (Kivy)."""
