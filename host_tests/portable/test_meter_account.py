# Portable: account and credit (meter/account.py).
from meter import account as ac
from meter import token_management as te


def test_credit_and_consumption_with_remainder():
    a = ac.Account()
    assert a.add_credit(0, 100) == ac.ADDED  # 10.0 kWh
    for _ in range(250):
        a.consume(1)  # 250 Wh = 2.5 units
    assert a.credit[0] == 98 and a.remainder == 50
    a.consume(50)
    assert a.credit[0] == 97 and a.remainder == 0
    assert a.consumed_wh == 300


def test_overflow_adds_nothing():
    a = ac.Account()
    assert a.add_credit(0, ac.REGISTER_MAX - 5) == ac.ADDED
    assert a.add_credit(0, 6) == ac.OVERFLOW
    assert a.credit[0] == ac.REGISTER_MAX - 5
    assert a.add_credit(0, 5) == ac.ADDED


def test_unsupported_register():
    a = ac.Account()
    assert a.add_credit(1, 10) == ac.UNSUPPORTED
    assert a.add_credit(9, 10) == ac.UNSUPPORTED
    assert a.credit == [0] * 8


def test_currency_mode():
    a = ac.Account({"registers": (0, 4), "credit_register": 4, "tariff": 20000})  # 0.20 / kWh
    a.add_credit(4, 100000)  # 1.00
    a.consume(1000)  # 1 kWh = 0.20
    assert a.credit[4] == 80000
    a.consume(1)  # 0.0002 = 20 units
    assert a.credit[4] == 79980


def test_low_credit_and_out_of_credit():
    a = ac.Account({"low_credit": 10})
    a.add_credit(0, 11)
    assert not a.low_credit()
    a.consume(100)
    assert a.low_credit() and not a.out_of_credit()
    a.consume(1000)
    assert a.out_of_credit()


def test_emergency_credit_repaid_from_next_token():
    a = ac.Account({"ec_amount": 50, "low_credit": 10})
    a.add_credit(0, 5)
    assert a.invoke_ec()
    assert not a.invoke_ec()  # once
    a.consume(3000)  # 30 units: 5 of credit, 25 of emergency credit
    assert a.credit[0] == -25 and a.available() == 25 and not a.out_of_credit()
    a.consume(2500)
    assert a.out_of_credit()
    a.add_credit(0, 100)  # repays 50 first
    assert a.credit[0] == 50 and not a.ec_active and a.available() == 50


def test_emergency_credit_not_offered_with_plenty_of_credit():
    a = ac.Account({"ec_amount": 50, "low_credit": 10})
    a.add_credit(0, 500)
    assert not a.invoke_ec()


def test_auto_emergency_credit():
    a = ac.Account({"ec_amount": 20, "ec_auto": True})
    a.add_credit(0, 1)
    a.consume(200)
    assert a.ec_active and a.available() == 19


def test_postpayment_never_out_of_credit():
    a = ac.Account({"payment_mode": ac.POSTPAYMENT})
    a.consume(10000)
    assert a.credit[0] == -100 and not a.out_of_credit() and not a.low_credit()


def test_clear_credit():
    a = ac.Account({"registers": (0, 1)})
    a.add_credit(0, 10)
    a.add_credit(1, 10)
    te.clear_credit(a, 0)
    assert a.credit[0] == 0 and a.credit[1] == 10
    te.clear_credit(a, ac.ALL)
    assert a.credit == [0] * 8
    assert not te.clear_credit(a, 12)


def test_power_limit_trip_and_reconnect_delay():
    a = ac.Account({"mpl_reconnect_s": 60})
    assert not a.check_power(10000, 0)  # no limit set
    a.mpl_w = 1000
    assert not a.check_power(1000, 0)
    assert a.check_power(1001, 10)
    assert a.power_tripped(69)
    assert not a.check_power(5000, 30)  # already latched
    assert not a.power_tripped(70)
    assert a.check_power(5000, 71) and a.trips == 2


def test_record_round_trip():
    a = ac.Account({"ec_amount": 50})
    a.add_credit(0, 7)
    a.consume(123)
    a.mpl_w = 500
    assert te.set_flag(a, 3, 1) and not te.set_flag(a, 32, 1)
    a.tamper = True
    b = ac.Account({"ec_amount": 50})
    b.load_record(a.to_record())
    assert b.to_record() == a.to_record()
    assert b.flags == 8
