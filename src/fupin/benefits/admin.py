from django.contrib import admin

from .models import Asset, BankBatch, Entitlement, Loan, MedicalClaim, Payment, Renovation

for model in (Asset, BankBatch, Entitlement, Loan, MedicalClaim, Payment, Renovation):
    admin.site.register(model)
