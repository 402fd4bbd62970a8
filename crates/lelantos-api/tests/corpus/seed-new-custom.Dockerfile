
FROM python:3.12-slim
RUN pip install numpy pandas scikit-learn matplotlib seaborn
# expect: none
