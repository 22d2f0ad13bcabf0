"""Static wording for the demo: people's names, grant funders and what bookings say."""

from __future__ import annotations

# fmt: off
FIRST_NAMES: tuple[str, ...] = (
    "Olivia", "Amelia", "Isla", "Ava", "Emily", "Sophie", "Grace", "Charlotte", "Ellie", "Freya",
    "Oliver", "George", "Harry", "Jack", "Noah", "Thomas", "James", "William", "Callum", "Rhys",
    "Priya", "Anjali", "Aarav", "Rohan", "Simran", "Harpreet", "Mohammed", "Aisha", "Fatima",
    "Omar", "Yusuf", "Zainab", "Imran", "Sana", "Hamza", "Chloe", "Niamh", "Siobhan", "Ciaran",
    "Eilidh", "Fraser", "Ewan", "Megan", "Bethan", "Dafydd", "Wei", "Xin", "Yiming", "Jia",
    "Hao", "Mei", "Oluwaseun", "Chiamaka", "Adebayo", "Ngozi", "Kwame", "Abena", "Tomasz",
    "Agnieszka", "Katarzyna", "Piotr", "Andrei", "Ioana", "Elena", "Marco", "Giulia", "Lucas",
    "Sofia", "Mateo", "Ines", "Daniel", "Hannah", "Samuel", "Rebecca", "Joseph", "Lauren",
    "Kieran", "Jasmine", "Dominic", "Natasha", "Arjun", "Deepa", "Kofi", "Leah", "Ruth",
)

SURNAMES: tuple[str, ...] = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson",
    "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood",
    "Jackson", "Clarke", "Patel", "Shah", "Mistry", "Sharma", "Singh", "Kaur", "Gill", "Khan",
    "Ahmed", "Hussain", "Begum", "Ali", "Rahman", "Malik", "Iqbal", "Chowdhury", "Murphy",
    "O'Brien", "Byrne", "MacDonald", "Campbell", "Stewart", "Morgan", "Hughes", "Price",
    "Llewellyn", "Chen", "Wang", "Li", "Zhang", "Liu", "Huang", "Okafor", "Adeyemi", "Mensah",
    "Owusu", "Okonkwo", "Nowak", "Kowalski", "Wiśniewski", "Popescu", "Rossi", "Bianchi",
    "Fernandes", "Santos", "Garcia", "Kaya", "Demir", "Nguyen", "Tran", "Kim", "Park",
    "Fitzgerald", "Bennett", "Cooper", "Ward", "Hart", "Lloyd", "Ellis", "Sutton", "Baxter",
)

# Research council prefixes as they appear in UKRI grant references (EP/X012345/1).
FUNDER_PREFIXES: tuple[str, ...] = ("EP", "EP", "EP", "BB", "MR", "NE", "ST", "ES", "EP")
GRANT_LETTERS: tuple[str, ...] = ("V", "W", "X", "Y", "Z")

PURPOSES: dict[str, tuple[str, ...]] = {
    "surface": (
        "Survey and high-resolution scans of perovskite thin films",
        "Depth profiling of oxide layers on Ti-6Al-4V",
        "Surface chemistry of plasma-treated polymer membranes",
        "Oxidation states in NMC811 cathode powders",
        "Contamination check on bonded wafers before coating",
    ),
    "microscopy": (
        "Fracture surface imaging of additively manufactured Inconel 718",
        "EDS mapping of corrosion products on weld coupons",
        "Particle size and morphology of catalyst nanoparticles",
        "Grain structure of recycled aluminium alloys (EBSD)",
        "Lamella preparation and imaging of battery interfaces",
    ),
    "nmr": (
        "1H and 13C characterisation of new ligands",
        "Reaction monitoring of a Suzuki coupling",
        "2D NMR (HSQC/HMBC) of natural product fractions",
        "Purity checks on synthesised intermediates",
        "Diffusion NMR of polymer electrolytes",
    ),
    "ms": (
        "Metabolite profiling of plasma extracts",
        "Accurate mass confirmation of synthetic peptides",
        "Volatile organic compounds in soil headspace samples",
        "Trace metals in river sediment digests",
        "Intact protein mass of expressed constructs",
    ),
    "xrd": (
        "Phase identification of calcined precursor powders",
        "Structure solution of a new MOF single crystal",
        "In-situ heating study of zeolite frameworks",
        "Porosity analysis of printed lattice parts (CT)",
        "Residual stress measurement on shot-peened samples",
    ),
    "bioimaging": (
        "Live-cell imaging of mitochondrial dynamics",
        "Immunofluorescence of mouse brain sections",
        "Time-lapse of organoid development",
        "Colocalisation study of membrane receptors",
        "Cleared tissue imaging of zebrafish larvae",
    ),
    "cytometry": (
        "Immunophenotyping panel on PBMCs",
        "Sorting GFP-positive cells for RNA-seq",
        "Cell cycle analysis after drug treatment",
        "T cell activation markers time course",
    ),
    "additive": (
        "Build of lattice test coupons for compression testing",
        "Prototype housing for a sensor enclosure",
        "Surgical planning models from CT data",
        "Parameter study for 316L density optimisation",
    ),
    "thermal": (
        "Glass transition of recycled PET blends",
        "Thermal stability of flame-retardant composites",
        "Curing kinetics of epoxy resin systems",
        "Hardness and modulus mapping of coatings",
        "Surface area of activated carbons",
    ),
    "neuro": (
        "Auditory oddball paradigm, participant session",
        "Resting-state recording for the ageing cohort study",
        "Motor cortex mapping, pilot participants",
        "Visual attention task with eye tracking",
    ),
    "fabrication": (
        "Patterning of gold electrodes on glass",
        "Waveguide fabrication for photonic chips",
        "Etch-rate calibration on silicon nitride",
        "Deposition of alumina barrier layers",
    ),
    "spectroscopy": (
        "Spectra of functionalised graphene oxide",
        "Band-gap measurements of doped semiconductors",
        "Raman mapping of strain in 2D materials",
        "Fluorescence lifetime of new dyes",
        "Radical detection in irradiated polymers",
    ),
    "biophysics": (
        "Binding affinity of inhibitor series to target protein",
        "Secondary structure of mutant constructs",
        "Kinetics screen of antibody fragments",
        "Aggregation state of formulation samples",
        "Grid screening for cryo-EM of membrane protein",
    ),
}

PURPOSE_SUFFIXES: tuple[str, ...] = (
    "", "", "", "", " (repeat measurement)", " for thesis chapter 3", " - pilot data for grant",
    " (industrial collaboration)", " - revisions requested by reviewers",
)

CANCEL_REASONS: tuple[str, ...] = (
    "Samples not ready in time", "Cancelled by user: illness", "Clash with teaching commitment",
    "Experiment postponed after supervisor meeting", "Samples delayed in transit",
    "Cancelled by facility: instrument fault", "Duplicate booking",
)
REJECT_REASONS: tuple[str, ...] = (
    "Project code not recognised; please check with your finance team",
    "Slot reserved for facility training day", "Sample safety form missing",
    "Please book an assisted session first",
)
NO_SHOW_REASON = "Did not arrive; slot released after 30 minutes"
TRAINING_NOTES: tuple[str, ...] = (
    "Induction, safe operation and sample loading",
    "Refresher after software upgrade",
    "Advanced modes covered; may train others in the group",
    "Signed off after three supervised sessions",
    "",
)
DOWNTIME_NOTES: dict[str, tuple[str, ...]] = {
    "maintenance": ("Planned preventive maintenance", "Bake-out and filament change"),
    "calibration": ("Quarterly calibration against reference standards", "Detector calibration"),
    "repair": ("Vacuum leak under investigation", "Replacement detector on order"),
    "engineer_visit": ("Manufacturer service engineer on site", "Annual service contract visit"),
    "other": ("Facility closed for staff training day", "Building power shutdown"),
}
# fmt: on
