"""Satisfaction ratings (đánh giá sự hài lòng) given on the counter tablets, and their summaries."""
