"""Browser pages for staff (clerk console; dashboards and reports by their own modules) and their shared assets."""
