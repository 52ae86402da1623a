"""Money as integer minor units beside an ISO 4217 currency; never floats."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# Active ISO 4217 codes (2025). Exponent 2 unless listed below.
CURRENCIES = frozenset(
    """AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN
    BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP
    GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS
    KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR
    MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF
    SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD
    TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG""".split()
)
EXPONENTS = {
    **dict.fromkeys("BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX VND VUV XAF XOF XPF".split(), 0),
    **dict.fromkeys("BHD IQD JOD KWD LYD OMR TND".split(), 3),
}


class MoneyError(ValueError):
    """An amount or currency that cannot be taken as money."""


def currency_code(value):
    """Return the upper-case ISO 4217 code, or raise MoneyError."""
    code = str(value or "").strip().upper()
    if code not in CURRENCIES:
        raise MoneyError(f"{value!r} is not an ISO 4217 currency code")
    return code


def exponent(currency):
    """Digits after the decimal point for a currency."""
    return EXPONENTS.get(currency, 2)


def to_decimal(value):
    """Parse a decimal string or integer (never a float) into a finite Decimal."""
    if isinstance(value, bool) or isinstance(value, float):
        raise MoneyError("amounts are decimal strings such as \"97.20\", not floats")
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise MoneyError(f"{value!r} is not a decimal amount") from None
    if not amount.is_finite():
        raise MoneyError(f"{value!r} is not a finite amount")
    return amount


def to_minor(amount, currency, *, rounding=None):
    """Turn a decimal amount into integer minor units of `currency`.

    The caller states the rounding: None refuses sub-minor precision (what a person typed
    must be exact), or a decimal rounding mode such as ROUND_HALF_UP (what a store sent).
    """
    scaled = to_decimal(amount).scaleb(exponent(currency))
    whole = scaled.to_integral_value(rounding=rounding or ROUND_HALF_UP)
    if rounding is None and scaled != whole:
        raise MoneyError(f"{amount!r} has more decimals than {currency} allows")
    return int(whole)


def from_minor(minor, currency):
    """Integer minor units of `currency` as a Decimal of major units with its places."""
    return Decimal(int(minor)).scaleb(-exponent(currency))


def round_minor(amount):
    """Round a Decimal number of minor units half up to an integer."""
    return int(Decimal(amount).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def format_minor(minor, currency):
    """Render minor units as a decimal string with the currency's places ("97.20")."""
    if minor is None:
        return None
    return f"{from_minor(minor, currency):.{exponent(currency)}f}"
