{
    "name": "Credit Management - Deliveries",
    "summary": "Deliveries follow the credit decision: a delivery for a customer on "
    "credit hold, or whose order the credit check blocks again, waits for a credit "
    "manager's release",
    "version": "19.0.1.0.0",
    "category": "Sales/Sales",
    "website": "https://github.com/credit-management/credit_management",
    "author": "credit_management developers",
    "maintainers": ["credit-management"],
    "development_status": "Beta",
    "license": "LGPL-3",
    "depends": ["credit_management", "sale_stock"],
    "data": [
        "security/ir.model.access.csv",
        "security/ir_rule.xml",
        "wizards/credit_delivery_release_wizard_views.xml",
        "views/credit_delivery_release_views.xml",
        "views/credit_decision_views.xml",
        "views/stock_picking_views.xml",
        "views/menus.xml",
    ],
    "demo": [
        "demo/credit_stock_demo.xml",
    ],
    "installable": True,
    "auto_install": True,
}
