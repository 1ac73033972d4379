# The binding of the meter to COSEM (issue 11): which COSEM object shows or
# calls which meter fact. dlms/ knows only COSEM; meter/ knows nothing of
# DLMS; this package joins them. object_list.py lists the objects and builds
# the server; the classes are in prepayment.py (made with the server),
# account_objects.py, facts.py, meter_objects.py and sts_attributes.py (made
# on first access, for one session).
