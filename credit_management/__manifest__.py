{
    "name": "Credit Management",
    "summary": "Customer credit limits, grades, exposure and a credit check "
    "that blocks sale order confirmation, with an audited override",
    "version": "19.0.1.0.0",
    "category": "Sales/Sales",
    "website": "https://github.com/credit-management/credit_management",
    "author": "credit_management developers",
    "license": "LGPL-3",
    "depends": ["sale_management", "account", "mail"],
    "data": [
        "security/res_groups.xml",
        "security/ir.model.access.csv",
        "security/ir_rule.xml",
        "data/credit_grade_data.xml",
        "wizards/credit_approval_wizard_views.xml",
        "views/credit_grade_views.xml",
        "views/res_partner_views.xml",
        "views/sale_order_views.xml",
        "views/res_config_settings_views.xml",
        "views/menus.xml",
    ],
    "demo": [
        "demo/credit_demo.xml",
    ],
    "post_init_hook": "post_init_hook",
    "installable": True,
    "application": False,
}
