"""Azure's regions, shipped with the code so that a stack's `location` is checked offline.

The physical regions (`regionType: Physical`) of the Azure Resource Manager locations API
(`az rest --uri /subscriptions/<id>/locations?api-version=2023-07-01`), as cached in
Azure/terraform-azurerm-avm-utl-regions, modules/cached-data/locations.tf.json, commit e9d6240 (data
of 2026-03-12). Left out: the logical regions (asia, europe, global, unitedstates, ...), which hold no
resources, and the staging regions eastusstg and southcentralusstg, which are Microsoft's own. The
canary regions centraluseuap and eastus2euap stay in: subscriptions enrolled in Azure's early
access program deploy there.
"""

REGIONS = frozenset(
    {
        "australiacentral", "australiacentral2", "australiaeast", "australiasoutheast", "austriaeast",
        "belgiumcentral", "brazilsouth", "brazilsoutheast", "canadacentral", "canadaeast", "centralindia",
        "centralus", "centraluseuap", "chilecentral", "denmarkeast", "eastasia", "eastus", "eastus2",
        "eastus2euap", "francecentral", "francesouth", "germanynorth", "germanywestcentral",
        "indonesiacentral", "israelcentral", "italynorth", "japaneast", "japanwest", "jioindiacentral",
        "jioindiawest", "koreacentral", "koreasouth", "malaysiawest", "mexicocentral", "newzealandnorth",
        "northcentralus", "northeurope", "norwayeast", "norwaywest", "polandcentral", "qatarcentral",
        "southafricanorth", "southafricawest", "southcentralus", "southeastasia", "southindia",
        "spaincentral", "swedencentral", "switzerlandnorth", "switzerlandwest", "uaecentral", "uaenorth",
        "uksouth", "ukwest", "westcentralus", "westeurope", "westindia", "westus", "westus2", "westus3",
    }
)
