"""The counter rating tablet (máy đánh giá mức độ hài lòng): a Kivy app bound to one counter."""
