"""Appointments (đặt lịch hẹn), check-in at the kiosk and numbers taken from the phone (lấy số từ xa)."""
