"""The JSON schema lives in the top-level schemas/ folder (editors point at it there);
it ships inside the package as dfwctl.schemas."""
from setuptools import find_packages, setup

setup(
    packages=find_packages(exclude=["tests", "tests.*"]) + ["dfwctl.schemas"],
    package_dir={"dfwctl.schemas": "schemas"},
    package_data={"dfwctl.schemas": ["*.json"], "dfwctl.providers.hyperv": ["*.ps1"]},
)
