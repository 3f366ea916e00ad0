"""Packing, parcels, carriers, labels and shipping at the dock."""
