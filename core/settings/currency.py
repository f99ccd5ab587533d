"""Currencies a database's amounts can be shown in: code, symbol, where the symbol goes, decimals.

Only the symbol and its place change between currencies; thousands and decimal separators stay
as everywhere else in Omnimix (``1,234.50``), so figures read the same on every page.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import OmnimixError


@dataclass(frozen=True)
class Currency:
    """How amounts in one currency are written.

    Parameters
    ----------
    code : str
        ISO 4217 code, e.g. ``"GBP"``; used in headers, axis titles and ``--json`` units.
    symbol : str
        Written next to every amount, e.g. ``"£"``.
    symbol_after : bool, default=False
        ``True`` writes ``12.50 kr`` instead of ``£12.50``.
    decimals : int, default=2
        Digits after the decimal point of an exact amount (0 for JPY).
    name : str, default=""
        The currency in words, for forms and help texts.
    """

    code: str
    symbol: str
    symbol_after: bool = False
    decimals: int = 2
    name: str = ""

    def attach(self, number: str) -> str:
        """``number`` (already written, without sign) with the symbol on its side: ``£12.50``, ``12.50 kr``."""
        negative = number.startswith("-")
        body = number[1:] if negative else number
        text = f"{body} {self.symbol}" if self.symbol_after else f"{self.symbol}{body}"
        return f"-{text}" if negative else text

    def amount(self, value: float, decimals: int | None = None) -> str:
        """An exact amount: ``£1,234.50``; ``¥1,235`` for JPY; ``1,234.50 kr``.

        Examples
        --------
        >>> CURRENCIES["GBP"].amount(-1234.5), CURRENCIES["JPY"].amount(1234.5), CURRENCIES["SEK"].amount(12.5)
        ('-£1,234.50', '¥1,234', '12.50 kr')
        """
        places = self.decimals if decimals is None else min(decimals, self.decimals)
        return self.attach(f"{value:,.{places}f}")

    def whole(self, value: float) -> str:
        """An amount rounded to whole units: ``£1,235``."""
        return self.attach(f"{value:,.0f}")

    def compact(self, value: float) -> str:
        """From 10,000 on in k/M/B with two decimals (``£12.35k``), else exact (``£950.40``).

        Easier to compare across KPI cards than ``£12,345.67``.
        """
        for threshold, size, suffix in ((1e9, 1e9, "B"), (1e6, 1e6, "M"), (1e4, 1e3, "k")):
            if abs(value) >= threshold:
                return self.attach(f"{value / size:,.2f}{suffix}")
        return self.amount(value)

    def short(self, value: float) -> str:
        """Short enough for two in one metric card: ``£712k``, ``£1.40M``, ``£950``."""
        if abs(value) >= 1e6:
            return self.attach(f"{value / 1e6:,.2f}M")
        return self.attach(f"{value / 1e3:,.0f}k") if abs(value) >= 1e4 else self.whole(value)

    def printf(self, *, whole: bool = False) -> str:
        """A printf-style format for table columns (``st.column_config.NumberColumn``): ``£%,.2f``."""
        places = 0 if whole else self.decimals
        number = f"%,.{places}f"
        return f"{number} {self.symbol}" if self.symbol_after else f"{self.symbol}{number}"

    def hover(self, field: str = "y", spec: str = ",.0f") -> str:
        """A plotly hovertemplate piece for an amount: ``£%{y:,.0f}`` or ``%{y:,.0f} kr``."""
        number = f"%{{{field}:{spec}}}"
        return f"{number} {self.symbol}" if self.symbol_after else f"{self.symbol}{number}"

    def tick_prefix_suffix(self) -> dict[str, str]:
        """Plotly axis ``tickprefix``/``ticksuffix`` that put the symbol on tick labels."""
        return {"ticksuffix": f" {self.symbol}"} if self.symbol_after else {"tickprefix": self.symbol}


CURRENCIES: dict[str, Currency] = {
    c.code: c
    for c in (
        Currency("EUR", "€", name="Euro"),
        Currency("GBP", "£", name="Pound sterling"),
        Currency("USD", "$", name="US dollar"),
        Currency("CNY", "CN¥", name="Chinese yuan"),
        Currency("JPY", "¥", decimals=0, name="Japanese yen"),
        Currency("CHF", "CHF ", name="Swiss franc"),
        Currency("SEK", "kr", symbol_after=True, name="Swedish krona"),
        Currency("NOK", "kr", symbol_after=True, name="Norwegian krone"),
        Currency("DKK", "kr", symbol_after=True, name="Danish krone"),
        Currency("PLN", "zł", symbol_after=True, name="Polish złoty"),
        Currency("CAD", "CA$", name="Canadian dollar"),
        Currency("AUD", "A$", name="Australian dollar"),
        Currency("INR", "₹", name="Indian rupee"),
    )
}
"""Every supported currency by ISO code."""

DEFAULT_CURRENCY = CURRENCIES["EUR"]
"""What a database without settings (and the generated sample) is shown in."""


def currency(code: str | Currency | None) -> Currency:
    """The :class:`Currency` for an ISO ``code`` (any case); ``None`` gives the default, EUR.

    Raises
    ------
    OmnimixError
        An unknown code, with the list of supported ones.
    """
    if code is None:
        return DEFAULT_CURRENCY
    if isinstance(code, Currency):
        return code
    found = CURRENCIES.get(str(code).strip().upper())
    if found is None:
        raise OmnimixError(f"Unknown currency '{code}'; supported: {', '.join(CURRENCIES)}.")
    return found
