"""Synthetic churn tables shaped like the two most common public churn files (for the mapping tests).

They are generated here, never copied: the column names, value codes and quirks follow the files'
public descriptions (the Kaggle/IBM Telco churn CSV and the bank customer-churn CSV).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def kaggle_telco(n: int = 600, seed: int = 7) -> pd.DataFrame:
    """Shaped like WA_Fn-UseC_-Telco-Customer-Churn.csv as read from CSV (every cell text):
    customerID, tenure in months, Churn Yes/No, TotalCharges text with 11 blank cells."""
    rng = np.random.default_rng(seed)
    tenure = rng.integers(1, 73, n)
    tenure[rng.choice(n, 11, replace=False)] = 0
    monthly = rng.uniform(18.25, 118.75, n).round(2)
    total = (monthly * tenure).round(2).astype(str)
    total[tenure == 0] = " "  # the file's 11 new customers have a blank TotalCharges
    return pd.DataFrame({
        "customerID": [f"{rng.integers(1000, 9999)}-{''.join(rng.choice(list('ABCDEFGHIJKLMNOPQRSTUVWXYZ'), 5))}{i}"
                       for i in range(n)],
        "gender": rng.choice(["Female", "Male"], n), "SeniorCitizen": rng.choice(["0", "1"], n, p=[0.84, 0.16]),
        "Partner": rng.choice(["Yes", "No"], n), "tenure": tenure.astype(str),
        "PhoneService": rng.choice(["Yes", "No"], n),
        "Contract": rng.choice(["Month-to-month", "One year", "Two year"], n),
        "PaymentMethod": rng.choice(["Electronic check", "Mailed check", "Bank transfer (automatic)",
                                     "Credit card (automatic)"], n),
        "MonthlyCharges": monthly.astype(str), "TotalCharges": total,
        "Churn": rng.choice(["Yes", "No"], n, p=[0.265, 0.735]),
    })  # fmt: skip


def bank_churn(n: int = 800, seed: int = 3) -> pd.DataFrame:
    """Shaped like the bank customer-churn CSV: CustomerId, Tenure in years, Exited, Complain, Satisfaction Score."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "RowNumber": np.arange(1, n + 1), "CustomerId": rng.choice(np.arange(15_565_701, 15_815_690), n, replace=False),
        "Surname": rng.choice(["Hargrave", "Hill", "Onio", "Boni"], n), "CreditScore": rng.integers(350, 851, n),
        "Geography": rng.choice(["France", "Spain", "Germany"], n), "Gender": rng.choice(["Female", "Male"], n),
        "Age": rng.integers(18, 93, n), "Tenure": rng.integers(0, 11, n), "Balance": rng.uniform(0, 250_000, n),
        "NumOfProducts": rng.integers(1, 5, n), "HasCrCard": rng.integers(0, 2, n),
        "IsActiveMember": rng.integers(0, 2, n), "EstimatedSalary": rng.uniform(11, 199_992, n),
        "Exited": rng.choice([0, 1], n, p=[0.8, 0.2]), "Complain": rng.choice([0, 1], n, p=[0.8, 0.2]),
        "Satisfaction Score": rng.integers(1, 6, n), "Card Type": rng.choice(["DIAMOND", "GOLD", "SILVER"], n),
        "Point Earned": rng.integers(119, 1001, n),
    })  # fmt: skip
