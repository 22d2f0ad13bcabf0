"""Static reference data for the demo: institutions, facility templates and instrument kinds."""

from __future__ import annotations

from dataclasses import dataclass

from equipshare.domain.enums import InstitutionSector

ACADEMIC = InstitutionSector.ACADEMIC
INDUSTRY = InstitutionSector.INDUSTRY

# Opening-hours patterns in local minutes after midnight; "24h" means no rows (open all hours).
OFFICE = (540, 1020)
LONG_DAY = (480, 1200)
# Fixed two-hour blocks from 08:00, so a block is aligned to both midnight and opening time.
BLOCKS = (480, 1080)
ROUND_THE_CLOCK = None

FULL_SERVICE = "Full service"
SELF_SERVICE = "Self-service with training"
COLLABORATIVE = "Collaborative"


@dataclass(frozen=True)
class InstitutionSpec:
    """One organisation of the demo consortium and the facilities it runs."""

    code: str
    prefix: str  # starts facility and instrument codes: WAR-EM, WAR-XPS-01
    name: str
    sector: InstitutionSector
    is_partner: bool
    domain: str
    telephone: str  # switchboard prefix; extensions are appended
    site: str
    researchers: int
    facilities: tuple[tuple[str, str], ...] = ()  # (facility template key, building)


@dataclass(frozen=True)
class FacilityTemplate:
    """A kind of core facility; `kinds` lists instrument kinds, repeats weighting the draw."""

    key: str
    name: str
    department: str
    kinds: tuple[str, ...]
    size: tuple[int, int] = (6, 10)


@dataclass(frozen=True)
class InstrumentKind:
    """A class of instrument with real models and the booking policy facilities give it."""

    key: str  # the middle of instrument codes
    category: str  # short technique people search for
    technique: str  # the uniquip "Technique" text
    noun: str
    models: tuple[tuple[str, str], ...]  # (manufacturer, model)
    slot: int
    min_len: int
    max_len: int
    lengths: tuple[int, ...]  # typical booking lengths, drawn uniformly
    hours: tuple[int, int] | None
    rate: str  # internal hourly rate in pounds
    service: str = SELF_SERVICE
    family: str = "materials"
    training: bool = True
    approval: bool = False


# The tables below are laid out by hand, one entry per block, for reading.
# fmt: off
INSTITUTIONS: tuple[InstitutionSpec, ...] = (
    InstitutionSpec("ASTON", "AST", "Aston University", ACADEMIC, True, "aston.ac.uk",
                    "+44 121 204 ", "Aston Triangle, Birmingham", 30,
                    (("EM", "Main Building"), ("SURF", "Aston Institute of Photonic Technologies"),
                     ("BIO", "Aston Medical School"), ("THERM", "Main Building"),
                     ("SPEC", "Main Building"))),
    InstitutionSpec("BHAM", "BHAM", "University of Birmingham", ACADEMIC, True,
                    "birmingham.ac.uk", "+44 121 414 ", "Edgbaston campus", 55,
                    (("EM", "School of Metallurgy and Materials"),
                     ("MEG", "Centre for Human Brain Health"), ("NMR", "Haworth Building"),
                     ("FLOW", "Institute of Biomedical Research"),
                     ("AM", "Advanced Materials and Manufacturing Building"))),
    InstitutionSpec("CRAN", "CRAN", "Cranfield University", ACADEMIC, True, "cranfield.ac.uk",
                    "+44 1234 75", "Cranfield campus", 30,
                    (("AM", "Building 46, Welding Engineering"), ("XRD", "Building 57"),
                     ("SURF", "Vincent Building"), ("THERM", "Building 57"),
                     ("MS", "Building 52a, Soil and Agrifood Institute"))),
    InstitutionSpec("KEELE", "KEELE", "Keele University", ACADEMIC, True, "keele.ac.uk",
                    "+44 1782 73", "Keele campus", 25,
                    (("NMR", "Lennard-Jones Laboratories"), ("MS", "Lennard-Jones Laboratories"),
                     ("BIO", "Huxley Building"), ("SPEC", "Lennard-Jones Laboratories"),
                     ("XRD", "Lennard-Jones Laboratories"))),
    InstitutionSpec("LEIC", "LEIC", "University of Leicester", ACADEMIC, True, "le.ac.uk",
                    "+44 116 252 ", "Main campus, Leicester", 40,
                    (("EM", "George Porter Building"), ("XRD", "George Porter Building"),
                     ("BIO", "Adrian Building"), ("FLOW", "Robert Kilpatrick Building"),
                     ("BIOPHYS", "Henry Wellcome Building"))),
    InstitutionSpec("LBORO", "LBORO", "Loughborough University", ACADEMIC, True, "lboro.ac.uk",
                    "+44 1509 22", "Loughborough campus", 40,
                    (("EM", "Loughborough Materials Characterisation Centre"),
                     ("SURF", "Loughborough Materials Characterisation Centre"),
                     ("AM", "Wolfson School Building"), ("THERM", "Sir Denis Rooke Building"),
                     ("CLEAN", "Holywell Park"))),
    InstitutionSpec("NOTTS", "NOTTS", "University of Nottingham", ACADEMIC, True,
                    "nottingham.ac.uk", "+44 115 951 ", "University Park, Nottingham", 55,
                    (("MRI", "Sir Peter Mansfield Imaging Centre"),
                     ("NMR", "Chemistry Building"),
                     ("EM", "Nanoscale and Microscale Research Centre"),
                     ("MS", "Centre for Biomolecular Sciences"), ("BIO", "Medical School"))),
    InstitutionSpec("WARWICK", "WAR", "University of Warwick", ACADEMIC, True, "warwick.ac.uk",
                    "+44 24 7652 ", "Central campus, Coventry", 55,
                    (("XPS", "Millburn House"), ("EM", "Physical Sciences Building"),
                     ("NMR", "Chemistry Building"), ("XRD", "Millburn House"),
                     ("AM", "International Manufacturing Centre"))),
    InstitutionSpec("SHEF", "SHEF", "University of Sheffield", ACADEMIC, False,
                    "sheffield.ac.uk", "+44 114 222 ", "Sheffield", 18),
    InstitutionSpec("ARDEN", "ARDEN", "Arden Advanced Coatings Ltd", INDUSTRY, False,
                    "ardencoatings.co.uk", "+44 1926 40", "Leamington Spa", 8),
    InstitutionSpec("SEVERN", "SEVERN", "Severn Biologics Ltd", INDUSTRY, False,
                    "severnbio.co.uk", "+44 1905 61", "Worcester", 8),
    InstitutionSpec("TRENT", "TRENT", "Trent Precision Engineering Ltd", INDUSTRY, False,
                    "trentprecision.co.uk", "+44 1332 58", "Derby", 8),
)

FACILITY_TEMPLATES: dict[str, FacilityTemplate] = {t.key: t for t in (
    FacilityTemplate("EM", "Electron Microscopy Suite", "Department of Materials",
                     ("SEM", "SEM", "FEGSEM", "FEGSEM", "FEGSEM", "TEM", "TEM", "FIB")),
    FacilityTemplate("XPS", "Photoemission Research Technology Platform", "Department of Physics",
                     ("XPS", "XPS", "XPS", "NAPXPS", "ARPES", "TOFSIMS", "AFM")),
    FacilityTemplate("NMR", "NMR Facility", "School of Chemistry",
                     ("NMR400", "NMR400", "NMR400", "NMR500", "NMR600", "BENCHNMR", "EPR")),
    FacilityTemplate("MS", "Mass Spectrometry Facility", "School of Chemistry",
                     ("LCMS", "LCMS", "LCMS", "GCMS", "GCMS", "MALDI", "ICPMS")),
    FacilityTemplate("XRD", "X-ray Diffraction Facility", "Department of Chemistry",
                     ("XRD", "XRD", "XRD", "SCXRD", "SCXRD", "SAXS", "XCT")),
    FacilityTemplate("BIO", "Bioimaging Facility", "School of Life Sciences",
                     ("CONFOCAL", "CONFOCAL", "CONFOCAL", "WIDEFIELD", "WIDEFIELD",
                      "LIGHTSHEET", "SUPERRES")),
    FacilityTemplate("FLOW", "Flow Cytometry Core", "Institute of Immunology and Immunotherapy",
                     ("FLOWAN", "FLOWAN", "FLOWAN", "SORTER", "SORTER", "IMAGESTREAM")),
    FacilityTemplate("AM", "Additive Manufacturing Centre", "School of Engineering",
                     ("FDM", "FDM", "POLYJET", "SLA", "SLA", "SLS", "METALAM", "XCT")),
    FacilityTemplate("SURF", "Surface Analysis Laboratory", "Department of Physics",
                     ("AFM", "AFM", "RAMAN", "RAMAN", "ELLIPS", "CONTACT", "XPS")),
    FacilityTemplate("THERM", "Materials Characterisation Laboratory", "Department of Materials",
                     ("DSC", "DSC", "TGA", "TGA", "RHEO", "NANOINDENT", "BET", "SEM")),
    FacilityTemplate("MEG", "MEG Laboratory", "School of Psychology",
                     ("MEG", "EEG", "TMS", "OPM"), size=(4, 4)),
    FacilityTemplate("MRI", "Sir Peter Mansfield Imaging Centre", "School of Physics and Astronomy",
                     ("MRI3T", "MRI7T", "OPM", "EEG"), size=(4, 4)),
    FacilityTemplate("CLEAN", "Cleanroom and Microfabrication Facility",
                     "Wolfson School of Engineering",
                     ("EBL", "MASKALIGN", "MASKALIGN", "RIE", "SPUTTER", "SPUTTER", "ALD")),
    FacilityTemplate("SPEC", "Chemical Spectroscopy Laboratory", "School of Chemistry",
                     ("FTIR", "FTIR", "UVVIS", "UVVIS", "FLUOR", "RAMAN", "EPR")),
    FacilityTemplate("BIOPHYS", "Structural Biology and Biophysics Facility",
                     "Department of Molecular and Cell Biology",
                     ("CD", "ITC", "SPR", "DLS", "PLATE", "CRYOTEM")),
)}

TF = "Thermo Fisher Scientific"
K = InstrumentKind
KINDS: dict[str, InstrumentKind] = {k.key: k for k in (
    K("XPS", "XPS", "X-ray photoelectron spectroscopy (XPS)", "XPS spectrometer",
      (("Kratos", "AXIS Supra+"), ("Kratos", "AXIS Ultra DLD"), (TF, "K-Alpha"), (TF, "Nexsa G2"),
       (TF, "ESCALAB QXi")), 60, 60, 480, (60, 120, 180, 240, 240, 480), OFFICE, "40",
      family="surface"),
    K("NAPXPS", "XPS", "Near-ambient pressure XPS", "NAP-XPS system",
      (("SPECS", "EnviroESCA"), ("Scienta Omicron", "HiPP-Lab")), 60, 120, 480, (120, 240, 480),
      OFFICE, "60", COLLABORATIVE, "surface", approval=True),
    K("ARPES", "ARPES", "Angle-resolved photoemission spectroscopy (ARPES/UPS)", "ARPES system",
      (("Scienta Omicron", "DA30-L"), ("SPECS", "PHOIBOS 150")), 60, 120, 480, (240, 480),
      OFFICE, "70", COLLABORATIVE, "surface", approval=True),
    K("TOFSIMS", "ToF-SIMS", "Time-of-flight secondary ion mass spectrometry", "ToF-SIMS",
      (("IONTOF", "M6"), ("IONTOF", "TOF.SIMS 5")), 60, 60, 480, (120, 240, 480), OFFICE, "75",
      FULL_SERVICE, "surface"),
    K("SEM", "SEM", "Scanning electron microscopy with EDS", "Scanning electron microscope",
      (("JEOL", "JSM-IT500"), ("Zeiss", "EVO 15"), ("Hitachi", "SU3900"),
       (TF, "Phenom XL G2")), 30, 30, 240, (30, 60, 60, 90, 120, 180, 240), OFFICE, "30",
      family="microscopy"),
    K("FEGSEM", "SEM", "Field emission gun scanning electron microscopy (FEG-SEM)", "FEG-SEM",
      (("Zeiss", "GeminiSEM 500"), ("Zeiss", "Sigma 300"), ("JEOL", "JSM-7800F Prime"),
       (TF, "Apreo 2"), ("TESCAN", "MIRA")), 30, 60, 480, (60, 90, 120, 180, 240, 480), OFFICE,
      "45", family="microscopy"),
    K("TEM", "TEM", "Transmission electron microscopy (TEM/STEM)", "TEM",
      (("JEOL", "JEM-2100Plus"), ("JEOL", "JEM-F200"), (TF, "Talos F200X G2"),
       (TF, "Spectra 300")), 60, 60, 480, (120, 180, 240, 480), OFFICE, "65",
      family="microscopy"),
    K("CRYOTEM", "TEM", "Cryo-electron microscopy", "Cryo-TEM",
      ((TF, "Glacios 2"), ("JEOL", "CRYO ARM 300 II")), 60, 240, 1440, (480, 960, 1440),
      ROUND_THE_CLOCK, "110", FULL_SERVICE, "biophysics", approval=True),
    K("FIB", "FIB", "Focused ion beam scanning electron microscopy (FIB-SEM)", "FIB-SEM",
      ((TF, "Helios 5 CX"), ("Zeiss", "Crossbeam 550"), ("TESCAN", "AMBER X")), 60, 60, 480,
      (120, 240, 480), OFFICE, "70", family="microscopy"),
    K("NMR400", "NMR", "Solution-state NMR spectroscopy, 400 MHz", "400 MHz NMR spectrometer",
      (("Bruker", "Avance NEO 400"), ("Bruker", "Avance III HD 400"), ("JEOL", "JNM-ECZ400R")),
      15, 15, 240, (15, 15, 30, 30, 60, 60, 120, 240), LONG_DAY, "12", family="nmr"),
    K("NMR500", "NMR", "Solution-state NMR spectroscopy, 500 MHz", "500 MHz NMR spectrometer",
      (("Bruker", "Avance NEO 500"), ("Bruker", "Avance III HD 500")), 15, 15, 240,
      (15, 30, 60, 60, 120, 240), LONG_DAY, "18", family="nmr"),
    K("NMR600", "NMR", "High-field NMR spectroscopy, 600 MHz with cryoprobe",
      "600 MHz NMR spectrometer", (("Bruker", "Avance NEO 600"), ("Bruker", "Avance III HD 600")),
      15, 15, 720, (30, 60, 120, 240, 720), ROUND_THE_CLOCK, "30", COLLABORATIVE, "nmr"),
    K("BENCHNMR", "NMR", "Benchtop NMR spectroscopy, 80 MHz", "Benchtop NMR",
      (("Magritek", "Spinsolve 80 Ultra"), ("Oxford Instruments", "X-Pulse")), 15, 15, 120,
      (15, 15, 30, 60), OFFICE, "8", family="nmr", training=False),
    K("EPR", "EPR", "Electron paramagnetic resonance spectroscopy", "EPR spectrometer",
      (("Bruker", "EMXplus"), ("Bruker", "EMXnano")), 30, 60, 480, (60, 120, 240, 480), OFFICE,
      "30", COLLABORATIVE, "spectroscopy"),
    K("LCMS", "LC-MS", "Liquid chromatography-mass spectrometry", "LC-MS",
      (("Waters", "Xevo G2-XS QTof"), ("Agilent", "6546 LC/Q-TOF"), (TF, "Orbitrap Exploris 240"),
       ("SCIEX", "ZenoTOF 7600")), 60, 60, 1440, (120, 240, 480, 960), ROUND_THE_CLOCK, "35",
      family="ms"),
    K("GCMS", "GC-MS", "Gas chromatography-mass spectrometry", "GC-MS",
      (("Agilent", "8890 GC / 5977B MSD"), (TF, "ISQ 7610"), ("Shimadzu", "GCMS-QP2020 NX")),
      60, 60, 720, (60, 120, 240, 480), LONG_DAY, "25", family="ms"),
    K("MALDI", "MALDI", "MALDI-TOF mass spectrometry", "MALDI-TOF",
      (("Bruker", "autoflex maX"), ("Bruker", "rapifleX"), ("Shimadzu", "MALDI-8020")), 30, 30,
      180, (30, 30, 60, 90, 120), OFFICE, "30", FULL_SERVICE, "ms"),
    K("ICPMS", "ICP-MS", "Inductively coupled plasma mass spectrometry", "ICP-MS",
      (("Agilent", "7900"), (TF, "iCAP RQ"), ("PerkinElmer", "NexION 2000")), 60, 60, 480,
      (120, 240, 480), OFFICE, "40", FULL_SERVICE, "ms"),
    K("XRD", "XRD", "Powder X-ray diffraction", "Powder X-ray diffractometer",
      (("Malvern Panalytical", "Empyrean"), ("Bruker", "D8 Advance"), ("Rigaku", "SmartLab"),
       ("Malvern Panalytical", "Aeris")), 30, 30, 480, (30, 60, 60, 120, 240, 480), LONG_DAY,
      "20", family="xrd"),
    K("SCXRD", "XRD", "Single-crystal X-ray diffraction", "Single-crystal diffractometer",
      (("Rigaku", "XtaLAB Synergy-S"), ("Bruker", "D8 Venture")), 60, 60, 1440,
      (120, 240, 720, 960), ROUND_THE_CLOCK, "35", FULL_SERVICE, "xrd"),
    K("SAXS", "SAXS", "Small- and wide-angle X-ray scattering", "SAXS/WAXS instrument",
      (("Xenocs", "Xeuss 3.0"), ("Anton Paar", "SAXSpoint 5.0")), 60, 60, 720, (120, 240, 480),
      LONG_DAY, "45", COLLABORATIVE, "xrd"),
    K("XCT", "X-ray CT", "X-ray computed tomography", "X-ray CT scanner",
      (("Zeiss", "Xradia 620 Versa"), ("Nikon", "XT H 225 ST"),
       ("Waygate Technologies", "phoenix v|tome|x m")), 60, 60, 1440, (120, 240, 480, 960),
      ROUND_THE_CLOCK, "60", FULL_SERVICE, "xrd"),
    K("CONFOCAL", "Confocal", "Laser scanning confocal microscopy", "Confocal microscope",
      (("Zeiss", "LSM 980 with Airyscan 2"), ("Leica", "STELLARIS 8"), ("Nikon", "AX R"),
       ("Evident", "FV4000"), ("Zeiss", "LSM 880")), 30, 30, 240, (60, 60, 90, 120, 180, 240),
      LONG_DAY, "25", family="bioimaging"),
    K("WIDEFIELD", "Widefield", "Widefield fluorescence microscopy", "Widefield microscope",
      (("Nikon", "Eclipse Ti2-E"), ("Zeiss", "Axio Observer 7"),
       ("Leica", "THUNDER Imager Live Cell")), 30, 30, 480, (30, 60, 120, 240), OFFICE, "12",
      family="bioimaging"),
    K("LIGHTSHEET", "Light sheet", "Light sheet fluorescence microscopy", "Light sheet microscope",
      (("Zeiss", "Lightsheet 7"), ("Bruker", "Luxendo MuVi SPIM")), 60, 60, 480, (120, 240, 480),
      OFFICE, "35", COLLABORATIVE, "bioimaging"),
    K("SUPERRES", "Super-resolution", "Super-resolution microscopy (SIM/STED)",
      "Super-resolution microscope", (("Nikon", "N-SIM S"), ("Zeiss", "Elyra 7"),
                                      ("Abberior", "STEDYCON")), 30, 60, 240, (60, 120, 180, 240),
      OFFICE, "45", COLLABORATIVE, "bioimaging", approval=True),
    K("FLOWAN", "Flow cytometry", "Flow cytometry (analyser)", "Flow cytometer",
      (("BD", "LSRFortessa X-20"), ("BD", "FACSCanto II"), ("Beckman Coulter", "CytoFLEX LX"),
       ("Cytek", "Aurora")), 30, 30, 240, (30, 60, 60, 90, 120, 180), LONG_DAY, "30",
      family="cytometry"),
    K("SORTER", "Cell sorting", "Fluorescence-activated cell sorting", "Cell sorter",
      (("BD", "FACSAria Fusion"), ("Beckman Coulter", "MoFlo Astrios EQ"), ("Sony", "MA900")),
      60, 60, 240, (60, 120, 180, 240), OFFICE, "70", FULL_SERVICE, "cytometry", approval=True),
    K("IMAGESTREAM", "Flow cytometry", "Imaging flow cytometry", "Imaging flow cytometer",
      (("Cytek", "Amnis ImageStreamX Mk II"),), 60, 60, 240, (60, 120, 240), OFFICE, "45",
      COLLABORATIVE, "cytometry"),
    K("FDM", "3D printing", "Fused deposition modelling", "FDM 3D printer",
      (("Stratasys", "F370"), ("UltiMaker", "S5"), ("Stratasys", "Fortus 450mc")), 60, 60, 1440,
      (120, 240, 480, 960, 1440), ROUND_THE_CLOCK, "15", FULL_SERVICE, "additive"),
    K("POLYJET", "3D printing", "Material jetting (PolyJet)", "PolyJet 3D printer",
      (("Stratasys", "J850 Pro"), ("Stratasys", "J55 Prime")), 60, 60, 1440, (240, 480, 960),
      ROUND_THE_CLOCK, "35", FULL_SERVICE, "additive"),
    K("SLA", "3D printing", "Stereolithography", "SLA 3D printer",
      (("Formlabs", "Form 3L"), ("Formlabs", "Form 4")), 60, 60, 1440, (120, 240, 480, 720),
      ROUND_THE_CLOCK, "10", family="additive"),
    K("SLS", "3D printing", "Selective laser sintering", "SLS system",
      (("EOS", "P 396"), ("HP", "Jet Fusion 5200")), 60, 240, 1440, (480, 960, 1440),
      ROUND_THE_CLOCK, "55", FULL_SERVICE, "additive", approval=True),
    K("METALAM", "3D printing", "Metal laser powder bed fusion", "Metal L-PBF system",
      (("EOS", "M 290"), ("Renishaw", "RenAM 500Q"), ("TRUMPF", "TruPrint 1000")), 60, 240, 1440,
      (480, 960, 1440), ROUND_THE_CLOCK, "95", FULL_SERVICE, "additive", approval=True),
    K("AFM", "AFM", "Atomic force microscopy", "Atomic force microscope",
      (("Bruker", "Dimension Icon"), ("Bruker", "Dimension FastScan"),
       ("Oxford Instruments Asylum Research", "Cypher ES"), ("Park Systems", "NX20")), 30, 60,
      360, (60, 120, 180, 240, 360), OFFICE, "30", family="surface"),
    K("RAMAN", "Raman", "Confocal Raman spectroscopy and mapping", "Raman microscope",
      (("Renishaw", "inVia Qontor"), ("HORIBA", "LabRAM HR Evolution"), ("WITec", "alpha300 R")),
      30, 30, 480, (30, 60, 120, 240, 480), LONG_DAY, "25", family="spectroscopy"),
    K("ELLIPS", "Ellipsometry", "Spectroscopic ellipsometry", "Ellipsometer",
      (("J.A. Woollam", "M-2000"), ("J.A. Woollam", "RC2")), 30, 30, 240, (30, 60, 120), OFFICE,
      "20", family="surface"),
    K("CONTACT", "Contact angle", "Contact angle and surface tension", "Drop shape analyser",
      (("KRÜSS", "DSA100"), ("Biolin Scientific", "Theta Flex")), 30, 30, 240, (30, 60, 120),
      OFFICE, "10", family="surface", training=False),
    K("DSC", "Thermal analysis", "Differential scanning calorimetry", "DSC",
      (("TA Instruments", "DSC 2500"), ("Mettler Toledo", "DSC 3+"), ("NETZSCH", "DSC 214 Polyma")),
      30, 30, 1440, (60, 120, 240, 480, 960), ROUND_THE_CLOCK, "15", family="thermal"),
    K("TGA", "Thermal analysis", "Thermogravimetric analysis", "TGA",
      (("TA Instruments", "TGA 5500"), ("Mettler Toledo", "TGA/DSC 3+"),
       ("NETZSCH", "STA 449 F3 Jupiter")), 30, 60, 1440, (60, 120, 240, 480, 960),
      ROUND_THE_CLOCK, "15", family="thermal"),
    K("RHEO", "Rheometry", "Rotational rheometry", "Rheometer",
      (("TA Instruments", "Discovery HR 30"), ("Anton Paar", "MCR 302e"),
       ("NETZSCH", "Kinexus Ultra+")), 30, 30, 480, (60, 120, 240), OFFICE, "15",
      family="thermal"),
    K("NANOINDENT", "Nanoindentation", "Nanoindentation and nanomechanical testing",
      "Nanoindenter", (("KLA", "iMicro"), ("Bruker", "Hysitron TI 980")), 60, 60, 1440,
      (120, 240, 480, 960), ROUND_THE_CLOCK, "35", family="thermal"),
    K("BET", "Gas sorption", "Gas sorption and BET surface area", "Gas sorption analyser",
      (("Micromeritics", "3Flex"), ("Anton Paar", "Autosorb iQ")), 60, 120, 1440,
      (480, 960, 1440), ROUND_THE_CLOCK, "15", FULL_SERVICE, "thermal"),
    K("MEG", "MEG", "Magnetoencephalography", "MEG system", (("MEGIN", "TRIUX neo"),), 120, 120,
      120, (120,), BLOCKS, "421.76", COLLABORATIVE, "neuro", approval=True),
    K("OPM", "MEG", "Optically pumped magnetometer MEG (OPM-MEG)", "OPM-MEG system",
      (("Cerca Magnetics", "OPM-MEG"),), 60, 60, 240, (60, 120, 180), OFFICE, "250",
      COLLABORATIVE, "neuro", approval=True),
    K("EEG", "EEG", "High-density electroencephalography", "EEG system",
      (("Brain Products", "actiCHamp Plus"), ("ANT Neuro", "eego mylab")), 30, 60, 240,
      (60, 120, 180), OFFICE, "20", family="neuro"),
    K("TMS", "TMS", "Transcranial magnetic stimulation", "TMS system",
      (("Magstim", "Horizon Performance"), ("MagVenture", "MagPro X100")), 30, 30, 180,
      (60, 90, 120), OFFICE, "25", COLLABORATIVE, "neuro", approval=True),
    K("MRI3T", "MRI", "Human MRI, 3 T", "3T MRI scanner",
      (("Siemens Healthineers", "MAGNETOM Prisma"), ("Philips", "Ingenia Elition 3.0T")), 30, 60,
      240, (60, 90, 120, 180), LONG_DAY, "550", FULL_SERVICE, "neuro", approval=True),
    K("MRI7T", "MRI", "Ultra-high-field human MRI, 7 T", "7T MRI scanner",
      (("Philips", "Achieva 7T"), ("Siemens Healthineers", "MAGNETOM Terra.X")), 60, 60, 240,
      (60, 120, 180), LONG_DAY, "750", FULL_SERVICE, "neuro", approval=True),
    K("EBL", "Lithography", "Electron beam lithography", "E-beam lithography system",
      (("Raith", "EBPG5150"), ("Raith", "VOYAGER")), 60, 60, 480, (120, 240, 480), OFFICE, "80",
      COLLABORATIVE, "fabrication", approval=True),
    K("MASKALIGN", "Lithography", "UV photolithography", "Mask aligner",
      (("SUSS MicroTec", "MA6 Gen4"), ("SUSS MicroTec", "MJB4")), 30, 30, 240, (30, 60, 120),
      OFFICE, "20", family="fabrication"),
    K("RIE", "Etching", "Reactive ion etching", "RIE system",
      (("Oxford Instruments", "PlasmaPro 100 Cobra"), ("Oxford Instruments", "PlasmaPro 80")),
      30, 30, 240, (60, 120, 240), OFFICE, "40", family="fabrication"),
    K("SPUTTER", "Deposition", "Magnetron sputter deposition", "Sputter deposition system",
      (("Kurt J. Lesker", "PVD 75"), ("Moorfield", "nanoPVD-S10A")), 30, 60, 480,
      (60, 120, 240, 480), OFFICE, "25", family="fabrication"),
    K("ALD", "Deposition", "Atomic layer deposition", "ALD system",
      (("Veeco", "Savannah S200"), ("Picosun", "R-200 Advanced")), 60, 60, 1440,
      (240, 480, 960), ROUND_THE_CLOCK, "35", family="fabrication"),
    K("FTIR", "FTIR", "Fourier-transform infrared spectroscopy", "FTIR spectrometer",
      (("Bruker", "INVENIO R"), ("PerkinElmer", "Spectrum 3"), (TF, "Nicolet iS50")), 15, 15,
      240, (15, 30, 30, 60, 120), OFFICE, "8", family="spectroscopy", training=False),
    K("UVVIS", "UV-Vis", "UV-visible-NIR spectrophotometry", "UV-Vis-NIR spectrophotometer",
      (("Agilent", "Cary 5000"), ("Shimadzu", "UV-2600i"), ("PerkinElmer", "LAMBDA 1050+")), 15,
      15, 240, (15, 30, 60, 120), OFFICE, "8", family="spectroscopy", training=False),
    K("FLUOR", "Fluorescence", "Steady-state and time-resolved fluorescence",
      "Fluorescence spectrometer", (("HORIBA", "Fluorolog-QM"), ("Edinburgh Instruments",
                                                                 "FLS1000")), 30, 30, 240,
      (30, 60, 120, 240), OFFICE, "15", family="spectroscopy"),
    K("CD", "CD", "Circular dichroism spectroscopy", "CD spectrometer",
      (("Applied Photophysics", "Chirascan V100"), ("JASCO", "J-1500")), 30, 30, 240,
      (30, 60, 120), OFFICE, "15", family="biophysics"),
    K("ITC", "Calorimetry", "Isothermal titration calorimetry", "ITC",
      (("Malvern Panalytical", "MicroCal PEAQ-ITC"),), 60, 60, 480, (120, 240, 480), OFFICE,
      "20", family="biophysics"),
    K("SPR", "SPR", "Surface plasmon resonance", "SPR system",
      (("Cytiva", "Biacore 8K"), ("Cytiva", "Biacore T200")), 60, 60, 1440, (240, 480, 960),
      ROUND_THE_CLOCK, "40", COLLABORATIVE, "biophysics"),
    K("DLS", "DLS", "Dynamic light scattering and zeta potential", "Zetasizer",
      (("Malvern Panalytical", "Zetasizer Ultra"), ("Malvern Panalytical", "Zetasizer Pro")), 30,
      30, 240, (30, 60, 120), OFFICE, "10", family="biophysics", training=False),
    K("PLATE", "Plate reader", "Multimode microplate reading", "Plate reader",
      (("BMG LABTECH", "CLARIOstar Plus"), ("Tecan", "Spark")), 30, 30, 240, (30, 60, 120),
      OFFICE, "6", family="biophysics", training=False),
)}
del K
# fmt: on
