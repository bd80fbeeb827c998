"""Open-text comments in English, Arabic and Persian: preparation, themes, scores, churn."""
