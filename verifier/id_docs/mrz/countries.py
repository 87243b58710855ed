"""Country codes an MRZ may carry: ISO 3166-1 alpha-3 plus the codes ICAO Doc 9303 Part 3 adds.

Written out here (no download at run time). The MRZ pads short codes with `<` (`D<<` for
Germany); `normalise_code` strips that padding before a look-up.
"""

from __future__ import annotations

# ISO 3166-1 alpha-3, all 249 officially assigned codes.
_ISO_3166_ALPHA3_TEXT = """
    ABW AFG AGO AIA ALA ALB AND ARE ARG ARM ASM ATA ATF ATG AUS AUT AZE
    BDI BEL BEN BES BFA BGD BGR BHR BHS BIH BLM BLR BLZ BMU BOL BRA BRB BRN BTN BVT BWA
    CAF CAN CCK CHE CHL CHN CIV CMR COD COG COK COL COM CPV CRI CUB CUW CXR CYM CYP CZE
    DEU DJI DMA DNK DOM DZA
    ECU EGY ERI ESH ESP EST ETH
    FIN FJI FLK FRA FRO FSM
    GAB GBR GEO GGY GHA GIB GIN GLP GMB GNB GNQ GRC GRD GRL GTM GUF GUM GUY
    HKG HMD HND HRV HTI HUN
    IDN IMN IND IOT IRL IRN IRQ ISL ISR ITA
    JAM JEY JOR JPN
    KAZ KEN KGZ KHM KIR KNA KOR KWT
    LAO LBN LBR LBY LCA LIE LKA LSO LTU LUX LVA
    MAC MAF MAR MCO MDA MDG MDV MEX MHL MKD MLI MLT MMR MNE MNG MNP MOZ MRT MSR MTQ MUS MWI
    MYS MYT
    NAM NCL NER NFK NGA NIC NIU NLD NOR NPL NRU NZL
    OMN
    PAK PAN PCN PER PHL PLW PNG POL PRI PRK PRT PRY PSE PYF
    QAT
    REU ROU RUS RWA
    SAU SDN SEN SGP SGS SHN SJM SLB SLE SLV SMR SOM SPM SRB SSD STP SUR SVK SVN SWE SWZ SXM
    SYC SYR
    TCA TCD TGO THA TJK TKL TKM TLS TON TTO TUN TUR TUV TWN TZA
    UGA UKR UMI URY USA UZB
    VAT VCT VEN VGB VIR VNM VUT
    WLF WSM
    YEM
    ZAF ZMB ZWE
"""
ISO_3166_ALPHA3: frozenset[str] = frozenset(_ISO_3166_ALPHA3_TEXT.split())

# ICAO Doc 9303 Part 3, section 5: codes for documents not issued by an ISO 3166 state, the
# British nationality categories, Germany's one-letter code, and the nationality placeholders.
ICAO_SPECIAL_CODES: dict[str, str] = {
    "D": "Germany",
    "GBD": "British Overseas Territories Citizen",
    "GBN": "British National (Overseas)",
    "GBO": "British Overseas Citizen",
    "GBP": "British Protected Person",
    "GBS": "British Subject",
    "UNO": "United Nations Organization or its officials",
    "UNA": "Specialized agency of the United Nations or its officials",
    "UNK": "Resident of Kosovo (UNMIK travel document)",
    "RKS": "Republic of Kosovo",
    "EUE": "European Union",
    "XBA": "African Development Bank",
    "XIM": "African Export-Import Bank",
    "XCC": "Caribbean Community (CARICOM)",
    "XCE": "Council of Europe",
    "XCO": "Common Market for Eastern and Southern Africa (COMESA)",
    "XEC": "Economic Community of West African States (ECOWAS)",
    "XPO": "International Criminal Police Organization (INTERPOL)",
    "XES": "Organisation of Eastern Caribbean States",
    "XMP": "Parliamentary Assembly of the Mediterranean",
    "XOM": "Sovereign Military Order of Malta",
    "XDC": "Southern African Development Community",
    "XXA": "Stateless person (1954 Convention)",
    "XXB": "Refugee (1951 Convention)",
    "XXC": "Refugee (other than the 1951 Convention)",
    "XXX": "Unspecified nationality",
}

# The fictional state of ICAO's own specimen documents: valid in form, never a real document.
SPECIMEN_CODES: frozenset[str] = frozenset({"UTO"})


def normalise_code(field: str) -> str:
    """`D<<` -> `D`: the MRZ fills short codes with `<`."""
    return field.rstrip("<")


def is_known_code(field: str, *, allow_specimen: bool = True) -> bool:
    """True for an ISO 3166-1 alpha-3 code, an ICAO special code, or (if allowed) `UTO`."""
    code = normalise_code(field)
    if code in ISO_3166_ALPHA3 or code in ICAO_SPECIAL_CODES:
        return True
    return allow_specimen and code in SPECIMEN_CODES


def is_specimen_code(field: str) -> bool:
    return normalise_code(field) in SPECIMEN_CODES
