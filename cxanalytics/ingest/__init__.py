"""Stage 1 - reading and cleaning (notebooks 01-02).

Takes raw survey exports, codebooks, your own tables and customer logs; gives cleaned,
typed response tables (with their audit) and canonical customer/transaction/interaction logs.
"""
